// InfluxDB's native Flight ticket (package influxdata.iox.querier.v1, message ReadInfo): the database, the query
// text and its language, protobuf-encoded as the ticket's bytes (or wrapped in google.protobuf.Any).
export const READ_INFO_PROTO = `
syntax = "proto3";
package influxdata.iox.querier.v1;

message ReadInfo {
  string namespace_name = 1;
  string sql_query = 2;
  QueryType query_type = 3;

  enum QueryType {
    QUERY_TYPE_UNSPECIFIED = 0;
    QUERY_TYPE_SQL = 1;
    QUERY_TYPE_INFLUX_QL = 2;
  }
}
`;

export const READ_INFO_TYPE_URL = 'type.googleapis.com/influxdata.iox.querier.v1.ReadInfo';

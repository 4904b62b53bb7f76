// InfluxDB's native Flight ticket (package influxdata.iox.querier.v1, message ReadInfo): the database, the query
// text, its language and bound parameters, protobuf-encoded as the ticket's bytes (or wrapped in google.protobuf.Any).
export const READ_INFO_PROTO = `
syntax = "proto3";
package influxdata.iox.querier.v1;

message ReadInfo {
  string namespace_name = 1;
  string sql_query = 2;
  QueryType query_type = 3;
  repeated QueryParam params = 4;

  enum QueryType {
    QUERY_TYPE_UNSPECIFIED = 0;
    QUERY_TYPE_SQL = 1;
    QUERY_TYPE_INFLUX_QL = 2;
  }
}

// A bound parameter of the query (params.proto of the same package).
message QueryParam {
  string name = 1;
  oneof value {
    NullValue null = 2;
    bool boolean = 3;
    uint64 u_int64 = 4;
    int64 int64 = 5;
    double float64 = 6;
    string string = 7;
  }
  enum NullValue {
    NULL_VALUE_UNSPECIFIED = 0;
  }
}
`;

export const READ_INFO_TYPE_URL = 'type.googleapis.com/influxdata.iox.querier.v1.ReadInfo';

import { badRequest } from '../../shared/app-error.js';

// The fields of a multipart/form-data body (InfluxDB 1.x clients may send `q`, `db`, ... this way; a field sent
// as a file counts by its text). Parsed by Node's fetch implementation (undici), which follows RFC 7578.
export async function multipartFields(body: Buffer, contentType: string): Promise<Array<[string, string]>> {
  if (!/;\s*boundary=/i.test(contentType)) throw badRequest('a boundary is required for a multipart/form-data body');
  let form: FormData;
  try {
    form = await new Response(new Blob([new Uint8Array(body)]), { headers: { 'content-type': contentType } }).formData();
  } catch (err) {
    throw badRequest(`invalid multipart/form-data body: ${(err as Error).message}`);
  }
  const out: Array<[string, string]> = [];
  for (const [name, value] of form.entries()) out.push([name, typeof value === 'string' ? value : await value.text()]);
  return out;
}

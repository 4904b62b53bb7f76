// One HTTP exchange as tests look at it: status, headers, the body as text, and the body parsed as JSON
// (undefined when it is not JSON).
export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export async function fetchAnswer(url: string, init: RequestInit = {}): Promise<HttpAnswer> {
  const res = await fetch(url, init);
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

// `body` sent as JSON (POST unless `method` says otherwise).
export function sendJson(url: string, body: unknown, method = 'POST'): Promise<HttpAnswer> {
  return fetchAnswer(url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

// js-fetch: test:files/fetch with the web's `fetch`, which componentize-js
// implements with wasi:http's outgoing handler (`plugtree build` keeps it
// because this file calls `fetch`). An async export: componentize-js runs the
// event loop until its promise settles.
const HEAD = 4096;

export const fetch = {
  async get(url, headers, connectTimeoutMs) {
    let response;
    try {
      response = await globalThis.fetch(url, { headers: Object.fromEntries(headers) });
    } catch (e) {
      throw `response: ${e}`;
    }
    const body = new Uint8Array(await response.arrayBuffer());
    const head = new TextDecoder().decode(body.subarray(0, HEAD));
    return { status: response.status, length: BigInt(body.length), head };
  },
};

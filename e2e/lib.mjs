// Shared helpers for the e2e scripts.

/** The gateway base URL from SCOUTGRAPH_URL, without a trailing slash; exits when unset. */
export function baseURL() {
  const raw = process.env.SCOUTGRAPH_URL;
  if (!raw) {
    console.error('SCOUTGRAPH_URL is not set (e.g. SCOUTGRAPH_URL=http://127.0.0.1:8080)');
    process.exit(2);
  }
  let url;
  try {
    url = new URL(raw);
  } catch {
    console.error(`SCOUTGRAPH_URL is not a URL: ${raw}`);
    process.exit(2);
  }
  return url.href.replace(/\/+$/, '');
}

/** Runs main, printing any failure and exiting non-zero. */
export function run(name, main) {
  main().then(
    (ok) => process.exit(ok === false ? 1 : 0),
    (err) => {
      console.error(`${name}: FAIL: ${err?.stack || err}`);
      process.exit(1);
    },
  );
}

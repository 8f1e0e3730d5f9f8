"""The cost of one recipient code on a phone: PBKDF2-SHA-256 in WebCrypto, in headless
Chromium, unthrottled and with DevTools' CPU throttling at 4x beside it.

Target: about 0.3 s a code on a mid-range phone (pwa/js/recipient-code.js ITERATIONS).
Caution when reading the figures: DevTools throttles the page's own thread, while Chromium
runs WebCrypto's PBKDF2 natively on another thread, so the "x4" figure is barely slower.
Read the unthrottled figure as this machine's core; phones' ARMv8 SHA-256 instructions put
a mid-range phone in the same order. The attacker's side of the sum is in docs/SECURITY.md.
"""

import functools
import http.server
import statistics
import threading

from playwright.sync_api import sync_playwright

from peerkit.field import PWA_ROOT

from .pwa import CHROMIUM_ARGS

RUNS = 5
DERIVE = """async () => {
  const m = await import('/js/recipient-code.js');
  const started = performance.now();
  await m.recipientCode('bench-salt', 'JD', '1990-04-01', 'F');
  return [performance.now() - started, m.ITERATIONS];
}"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # the figures, not the requests
        pass


def main() -> None:
    """Print the median time of one code, throttled and not."""
    handler = functools.partial(_QuietHandler, directory=str(PWA_ROOT))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
            )
            page = browser.new_page()
            # 127.0.0.1 is a secure context, so WebCrypto is there.
            page.goto(f"http://127.0.0.1:{server.server_port}/manifest.webmanifest")
            cdp = page.context.new_cdp_session(page)
            for throttle in (1, 4):
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
                runs = [page.evaluate(DERIVE) for _ in range(RUNS)]
                times = [ms for ms, _ in runs]
                print(
                    f"one recipient code ({runs[0][1]:,} PBKDF2 iterations), CPU x{throttle}: "
                    f"median {statistics.median(times):.0f} ms over {RUNS}"
                    + (" (WebCrypto runs off the throttled thread)" if throttle == 4 else "")
                )
            browser.close()
    finally:
        server.shutdown()

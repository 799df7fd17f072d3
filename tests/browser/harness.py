"""What the browser tests stand on: a real linechat binary on free loopback
ports, a real redis-server, a telnet user on a real socket, and headless
Chromium driven through the system chromedriver.

Every wait is bounded and waits for a condition (WebDriverWait, or a socket
read with a deadline); nothing sleeps to synchronise.
"""

import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import (NoAlertPresentException, NoSuchElementException,
                                        StaleElementReferenceException, TimeoutException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

# How long any one expected thing may take to show. Generous for a shared
# 2-core machine; a passing run waits far less.
WAIT = 15


def free_port():
    """A loopback port free now. The server is given it explicitly (not
    port 0) so a restart comes back on the same address, as a restarted
    node would, and the page reconnects to it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, condition, timeout=WAIT, step=0.02):
    """Polls `condition` until it returns something true, at most `timeout`
    seconds; fails naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(step)


# The flags that turn the per-address limits off (src/config.rs,
# NO_ADDRESS_LIMITS).
NO_ADDRESS_LIMITS = ["--ip-rate", "0", "--max-per-ip", "0", "--max-pending", "0",
                     "--max-pending-per-ip", "0", "--login-rate", "0", "--rooms-per-ip", "0"]


class Server:
    """One linechat process: telnet on `chat_port`, the page and /ws on
    `web_port` (over TLS, https: and wss:, when given `tls`, a certificate
    and key). `kill` is SIGKILL (no goodbye); `start` again reuses the ports."""

    def __init__(self, binary, workdir, name, extra=(), tls=None):
        self.binary = binary
        self.name = name
        self.extra = list(extra)
        self.tls = tls
        self.chat_port = free_port()
        self.web_port = free_port()
        if tls:
            cert, key = tls
            self.extra += ["--web-addr", "off", "--webs-addr", f"127.0.0.1:{self.web_port}",
                           "--tls-addr", f"127.0.0.1:{free_port()}", "--ircs-addr", "off",
                           "--tls-cert", cert, "--tls-key", key]
        self.log_path = os.path.join(workdir, f"{name}.log")
        if os.path.exists(self.log_path):
            os.remove(self.log_path)  # a previous run's; restarts append to this run's
        self.proc = None

    @property
    def url(self):
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.web_port}/"

    def start(self):
        web = [] if self.tls else ["--web-addr", f"127.0.0.1:{self.web_port}"]
        # Every browser, telnet user and health check comes from 127.0.0.1:
        # the per-address limits (connects per minute above all) would
        # count them as one visitor, so they are off, as in the socket tests
        # (linechat::config::NO_ADDRESS_LIMITS).
        args = [self.binary, "--addr", f"127.0.0.1:{self.chat_port}", "--irc-addr", "off", *web,
                *NO_ADDRESS_LIMITS, *self.extra]
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                     env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "info")})
        log.close()
        wait_for(f"{self.name} to answer /healthz", self._healthy, timeout=10)
        return self

    def _healthy(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"{self.name} exited with {self.proc.returncode}; see {self.log_path}")
        try:
            # The test's own certificate: not checked here, the browser accepts it.
            context = ssl._create_unverified_context() if self.tls else None
            with urllib.request.urlopen(self.url + "healthz", timeout=1, context=context) as answer:
                return answer.status == 200
        except OSError:
            return False

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.kill()


class Redis:
    """A redis-server of its own on a free port, persistence off."""

    def __init__(self, binary, workdir):
        self.port = free_port()
        self.dir = os.path.join(workdir, "redis")
        os.makedirs(self.dir, exist_ok=True)
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--dir", self.dir, "--logfile", os.path.join(self.dir, "redis.log")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for("redis-server to listen", self._listening, timeout=10)

    def _listening(self):
        if self.proc.poll() is not None:
            raise AssertionError("redis-server exited; see its log in " + self.dir)
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            return True
        except OSError:
            return False

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self, *args):
        """One command on a connection of its own; its answer (RESP 2)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=WAIT) as sock:
            request = [b"*%d\r\n" % len(args)]
            for arg in (a.encode() for a in args):
                request.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
            sock.sendall(b"".join(request))
            return _answer(sock.makefile("rb"))

    def stream_holds(self, stream, text):
        """Whether one of the last 100 entries of `stream` has a field holding `text`."""
        def values(answer):
            if isinstance(answer, list):
                for item in answer:
                    yield from values(item)
            elif isinstance(answer, bytes):
                yield answer
        return any(text.encode() in value for value in values(self.command("XREVRANGE", stream, "+", "-",
                                                                           "COUNT", "100")))

    def stop(self):
        self.proc.kill()
        self.proc.wait(timeout=10)


def _answer(reader):
    """One RESP 2 answer read from `reader`: str, int, bytes, None or a list."""
    line = reader.readline()
    if not line.endswith(b"\r\n"):
        raise AssertionError(f"redis: a cut answer {line!r}")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise AssertionError(f"redis: {rest.decode()}")
    if kind == b":":
        return int(rest)
    if kind == b"$":
        size = int(rest)
        return None if size < 0 else reader.read(size + 2)[:-2]
    if kind == b"*":
        size = int(rest)
        return None if size < 0 else [_answer(reader) for _ in range(size)]
    raise AssertionError(f"redis: an answer of unknown kind {line!r}")


class Telnet:
    """A telnet user: a plain socket speaking linechat's line protocol."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
        self.received = ""   # everything, to check what never came
        self.unread = ""     # what `expect` has not consumed yet

    def _read(self, deadline):
        self.sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return
        if not data:
            raise AssertionError("the server closed the telnet connection")
        text = data.decode("utf-8", "replace")
        self.received += text
        self.unread += text

    def expect(self, text, timeout=WAIT):
        """Reads until `text` arrives; returns what came up to and with it."""
        deadline = time.monotonic() + timeout
        while text not in self.unread:
            if time.monotonic() > deadline:
                raise AssertionError(f"telnet: no {text!r} within {timeout} s; unread: {self.unread!r}")
            self._read(deadline)
        end = self.unread.index(text) + len(text)
        seen, self.unread = self.unread[:end], self.unread[end:]
        return seen

    def send(self, line):
        self.sock.sendall(line.encode() + b"\r\n")

    def login(self, name):
        self.expect("Enter your name: ")
        self.send(name)
        self.expect(f"*** Welcome, {name}!")
        return self

    def close(self):
        self.sock.close()


def chromium(browser, driver, profile_dir, tz):
    """Headless Chromium through the given chromedriver, in time zone `tz`.
    Background networking is off, so the only requests are the page's own;
    the performance log records them for `Page.requests`."""
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1280,800", "--no-first-run", "--no-default-browser-check",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-extensions", "--disable-default-apps", "--disable-features=Translate,MediaRouter",
                 f"--user-data-dir={profile_dir}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    # The TLS test's server has a certificate made for the run.
    options.accept_insecure_certs = True
    # The driver's path is given, so Selenium Manager (which downloads
    # drivers and browsers) is never run.
    service = Service(executable_path=driver, log_output=profile_dir + "-chromedriver.log",
                      env={**os.environ, "TZ": tz})
    return webdriver.Chrome(service=service, options=options)


class Page:
    """One browser user on linechat's page, with the waits the tests need."""

    def __init__(self, driver, who):
        self.driver = driver
        self.who = who
        self._urls, self._frames = [], []  # read from the performance log, not yet returned

    def until(self, what, condition, timeout=WAIT):
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(lambda d: condition())
        except TimeoutException:
            raise AssertionError(f"{self.who}: timed out after {timeout} s waiting for {what}; "
                                 f"log: {self.log_text()!r}; status: {self.status()!r}") from None

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def open(self, url):
        self.requests()  # what the browser did before: its own start page
        self.frames()
        self.driver.get(url)
        self.until("the name prompt", lambda: self.find("#name").is_displayed())

    def submit_name(self, name, password=None):
        field = self.find("#name")
        field.clear()
        field.send_keys(name)
        if password is not None:
            if not self.find("#password").is_displayed():
                self.find("#show-password").click()
            self.find("#password").clear()
            self.find("#password").send_keys(password)
            self.find("#password").send_keys(Keys.ENTER)
        else:
            field.send_keys(Keys.ENTER)

    def login(self, name, password=None):
        self.submit_name(name, password)
        self.until(f"{name} to be in", lambda: self.find("#chat-view").is_displayed()
                   and "as " + name in self.find("#me").text)

    def login_error(self, contains):
        return self.until(f"the login error {contains!r}", lambda: contains in self.find("#login-error").text
                          and self.find("#login-error").text)

    def type(self, text):
        box = self.find("#message")
        box.send_keys(text)
        box.send_keys(Keys.ENTER)

    def log_text(self):
        try:
            return self.find("#log").text
        except Exception:
            return ""

    def page_text(self):
        return self.find("body").text

    def status(self):
        try:
            return self.find("#status").text
        except Exception:
            return ""

    def sees(self, text, timeout=WAIT):
        """Waits until the transcript shown holds `text`."""
        self.until(f"{text!r} in the transcript", lambda: text in self.log_text(), timeout)

    # Lists are read in one script each: the page redraws them as lines
    # come, and an element found in one WebDriver call may be gone by the next.
    def lines(self, css=".line"):
        return self.driver.execute_script(
            "return [...document.querySelectorAll(arguments[0])].map((e) => e.textContent)", "#log " + css)

    def click(self, css):
        """Clicks the element `css` names, once it is there. The page
        redraws its tabs and lists as lines come, so an element found may
        be replaced before the click lands: then it is found again."""
        def clicked():
            try:
                self.find(css).click()
                return True
            except (NoSuchElementException, StaleElementReferenceException):
                return False
        self.until(f"{css} to click", clicked)

    def tab(self, title):
        self.click(f"#tabs button[data-pane='{title.lower()}']")
        self.until(f"{title} shown", lambda: self.find("#pane-title").text == title)

    def tab_text(self, title):
        """The text of the tab of `title` (with its unread count), or None."""
        return self.driver.execute_script(
            "const b = document.querySelector(`#tabs button[data-pane='${arguments[0]}']`);"
            " return b && b.textContent", title.lower())

    def members(self):
        return sorted(self.driver.execute_script(
            "return [...document.querySelectorAll('#member-list li')].map((e) => e.textContent)"))

    def rooms(self):
        """The room list: room -> count."""
        return {room: int(count) for room, count in self.driver.execute_script(
            "return [...document.querySelectorAll('#room-list button')].map((b) =>"
            " [b.querySelector('.room-name').textContent, b.querySelector('.count').textContent])")}

    def no_alert(self):
        try:
            alert = self.driver.switch_to.alert
        except NoAlertPresentException:
            return True
        text = alert.text
        alert.dismiss()
        raise AssertionError(f"{self.who}: an alert opened: {text!r}")

    def _network(self):
        """Reads Chromium's performance log (each read empties it) into
        what `requests` and `frames` return."""
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            params = message.get("params", {})
            if message["method"] == "Network.requestWillBeSent":
                self._urls.append(params["request"]["url"])
            elif message["method"] == "Network.webSocketCreated":
                self._urls.append(params["url"])
            elif message["method"] in ("Network.webSocketFrameSent", "Network.webSocketFrameReceived"):
                way = "sent" if message["method"].endswith("Sent") else "received"
                self._frames.append((way, params["response"]["payloadData"]))

    def requests(self):
        """Every URL the browser asked for since the last call (HTTP and
        WebSocket), from Chromium's performance log."""
        self._network()
        urls, self._urls = self._urls, []
        return urls

    def frames(self):
        """The page's WebSocket messages since the last call, in order:
        ("sent" or "received", the IRC line)."""
        self._network()
        frames, self._frames = self._frames, []
        return frames

    def screenshot(self, path, width, height, phone):
        """A picture of the page in a viewport of exactly width x height
        (a phone's is a mobile viewport, as a phone's browser gives)."""
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": phone})
        # The layout follows the new width before the picture is taken.
        self.until(f"a {width} px wide layout", lambda: self.driver.execute_script(
            "return window.innerWidth") == width)
        self.driver.save_screenshot(path)

    def full_size(self):
        self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def self_signed(directory):
    """A certificate for 127.0.0.1 and its key, made with openssl for this
    run: (cert path, key path)."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    openssl = shutil.which("openssl")
    if not openssl:
        raise AssertionError("the TLS test needs openssl (apt-get install openssl)")
    subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


def temp_dir(parent, name):
    path = os.path.join(parent, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path

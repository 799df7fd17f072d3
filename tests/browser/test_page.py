"""The chat page (web/index.html, served at GET / and speaking IRC over
GET /ws) in a real headless Chromium, against the real linechat binary.

The tests run in order and share two browser users, ann and bea, and one
server; the later ones restart it, move to two nodes over Redis, and to a
server of the page over TLS."""

import datetime
import os
import re

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from harness import Redis, Server, Telnet, free_port, self_signed, temp_dir

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def node(programs, artifacts):
    """One server with registered names on (--data-dir), restarted in place
    by test_reconnect."""
    data = temp_dir(artifacts, "data")
    server = Server(programs["linechat"], artifacts, "node", ["--data-dir", data]).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def users(browsers, node):
    ann, bea = browsers
    return ann, bea


def local_clock(offset_minutes=0):
    """[HH:MM] now in the browsers' zone (Asia/Kolkata, UTC+05:30, no DST)."""
    now = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=5, minutes=30)))
    now += datetime.timedelta(minutes=offset_minutes)
    return now.strftime("[%H:%M]")


def msgid_of(frames, text):
    """The msgid of the last line received (of `Page.frames`) that says `text`."""
    for way, line in reversed(frames):
        if way == "received" and line.startswith("@") and line.endswith(" :" + text):
            tags = dict(tag.partition("=")[::2] for tag in line[1:line.index(" ")].split(";"))
            if tags.get("msgid"):
                return tags["msgid"]
    raise AssertionError(f"no line with a msgid says {text!r}")


def test_name_prompt_errors_then_lobby_chat(users, node):
    """The name prompt says what telnet says (taken, invalid); then two
    browser users and a telnet user chat both ways in #lobby, with
    [HH:MM] in the viewer's local time, /me as an action, /who, and a long
    line split rather than cut."""
    ann, bea = users
    ann.open(node.url)
    ann.login("ann")
    bea.open(node.url)

    # Keyboard alone: the name field has the focus on load; Enter submits.
    active = bea.driver.switch_to.active_element
    assert active.get_attribute("id") == "name"
    assert active.accessible_name == "Name"
    active.send_keys("ann", Keys.ENTER)
    bea.login_error("The name 'ann' is taken")
    bea.submit_name("bad!")
    bea.login_error("Invalid name: use only letters, digits, _ and -")
    bea.login("bea")
    # In: the focus is on the message box.
    assert bea.driver.switch_to.active_element.get_attribute("id") == "message"

    tom = Telnet(node.chat_port).login("tom")
    for page in users:
        page.until("#lobby's members", lambda page=page: page.members() == ["ann", "bea", "tom"])
        page.until("#lobby with 3 in the room list", lambda page=page: page.rooms().get("#lobby") == 3)

    tom.send("hello from telnet")
    ann.sees("tom: hello from telnet")
    bea.sees("tom: hello from telnet")

    ann.type("hi from ann")
    tom.expect("ann: hi from ann\r\n")
    bea.sees("ann: hi from ann")

    bea.driver.switch_to.active_element.send_keys("/me waves", Keys.ENTER)
    tom.expect("* bea waves\r\n")
    ann.sees("* bea waves")
    assert any("* bea waves" in line for line in ann.lines(".line.action")), ann.lines()

    # Every chat line starts with the viewer's local [HH:MM].
    chat = [line for line in ann.lines(".line.chat")]
    assert chat, ann.log_text()
    for line in chat:
        assert re.match(r"^\[\d\d:\d\d\] ", line), line
    assert chat[-1][:7] in (local_clock(), local_clock(-1)), (chat[-1], local_clock())

    ann.type("/who")
    ann.sees("3 online: ann, bea, tom")

    # A line longer than an IRC line can carry goes as several messages,
    # split between characters (é is two bytes), none of it cut.
    ann.type("é" * 300)
    tom.expect("ann: " + "é" * 200 + "\r\n")
    tom.expect("ann: " + "é" * 100 + "\r\n")
    tom.close()


def test_rooms_history_and_isolation(users, node):
    """ann makes #rust and talks there; nothing of it reaches #lobby. bea
    finds #rust in the room list, joins it and gets its history, marked as
    history; /history N asks for more; the topic is shown; Leave leaves."""
    ann, bea = users
    tom = Telnet(node.chat_port).login("tod")

    ann.type("/join rust")
    ann.until("#rust shown", lambda: ann.find("#pane-title").text == "#rust")
    ann.until("ann alone in #rust, its operator", lambda: ann.members() == ["@ann"])
    ann.type("/topic Rust talk")
    ann.until("the topic shown", lambda: ann.find("#topic").text == "Rust talk")
    ann.type("only in rust")
    ann.sees("ann: only in rust")

    # Back in #lobby: this line comes after the #rust one, so once tom and
    # bea have it, the #rust line would have come first if it leaked.
    ann.tab("#lobby")
    ann.type("back in lobby")
    tom.expect("ann: back in lobby\r\n")
    bea.sees("ann: back in lobby")
    assert "only in rust" not in tom.received
    assert "only in rust" not in bea.page_text()

    bea.type("/rooms")
    bea.until("#rust (1) in bea's room list", lambda: bea.rooms().get("#rust") == 1)
    bea.click("#room-list button[data-room='#rust']")
    bea.until("#rust shown to bea", lambda: bea.find("#pane-title").text == "#rust")
    bea.until("#rust's history", lambda: any("ann: only in rust" in line for line in bea.lines(".line.history")))
    assert bea.find("#topic").text == "Rust talk"
    assert any("history" in line for line in bea.lines(".line.divider")), bea.lines()
    bea.until("#rust's members", lambda: bea.members() == ["@ann", "bea"])

    bea.type("bea in rust")
    ann.until("an unread mark on ann's #rust tab", lambda: (ann.tab_text("#rust") or "").endswith("1"))
    ann.tab("#rust")
    ann.sees("bea: bea in rust")
    ann.type("/history 5")
    ann.sees("Last 2 lines of #rust:")
    ann.until("the two lines again, as history",
              lambda: [line[8:] for line in ann.lines(".line.history")] == ["ann: only in rust", "bea: bea in rust"])

    bea.tab("#lobby")
    bea.type("bea back in lobby")
    tom.expect("bea: bea back in lobby\r\n")
    assert "bea in rust" not in tom.received

    # Leave: bea's #rust tab goes, ann sees her go and the count drop.
    bea.tab("#rust")
    bea.click("#leave")
    bea.until("#rust's tab gone", lambda: bea.tab_text("#rust") is None)
    ann.sees("bea has left")
    ann.until("ann alone in #rust again", lambda: ann.members() == ["@ann"] and ann.rooms().get("#rust") == 1)
    tom.close()


def test_private_messages_have_their_own_pane(users, node):
    """A /msg from telnet opens a pane of its own in bea's page, marked
    unread; her answers there go back privately, also after the sender's
    /nick; her own /nick works; ann sees none of it."""
    ann, bea = users
    tom = Telnet(node.chat_port).login("tia")
    tom.send("/msg bea psst bea")
    bea.until("a tab for tia, unread", lambda: (bea.tab_text("tia") or "").endswith("1"))
    assert "psst bea" not in bea.log_text()   # not in #lobby's transcript
    assert re.match(r"^\(\d+\) linechat$", bea.driver.title), bea.driver.title
    bea.tab("tia")
    bea.sees("tia: psst bea")
    bea.type("hi tia")
    tom.expect("[pm] bea: hi tia\r\n")
    # A rename carries the conversation along.
    tom.send("/nick tia2")
    bea.until("the tab renamed", lambda: bea.tab_text("tia2") and bea.tab_text("tia") is None)
    bea.type("still there?")
    tom.expect("[pm] bea: still there?\r\n")
    # And the page's own /nick, there and back.
    bea.type("/nick bee")
    tom.expect("*** bea is now known as bee\r\n")
    bea.until("bea's page says bee", lambda: bea.find("#me").text == "as bee")
    bea.type("/nick bea")
    tom.expect("*** bee is now known as bea\r\n")
    bea.type("/msg ann just us")
    ann.until("a tab for bea", lambda: ann.tab_text("bea"))
    assert "psst" not in ann.page_text()
    tom.close()


def test_html_is_shown_as_text(users, node):
    """A line that is HTML shows as its text, both from telnet and from
    the page: no img element, no alert; and the page asks for nothing but
    itself and /ws."""
    ann, bea = users
    tom = Telnet(node.chat_port).login("ted")
    ann.tab("#lobby")
    bea.tab("#lobby")
    tom.send(XSS)
    ann.sees("ted: " + XSS)
    bea.sees("ted: " + XSS)
    ann.type(XSS)
    tom.expect("ann: " + XSS + "\r\n")
    bea.sees("ann: " + XSS)
    for page in users:
        assert page.driver.find_elements(By.TAG_NAME, "img") == []
        page.no_alert()
        origin = node.url.rstrip("/")
        ws = origin.replace("http://", "ws://") + "/ws"
        # chrome:// and data: URLs come from the browser itself, not a network.
        urls = page.requests()
        assert node.url in urls and ws in urls, urls  # the log does see requests
        for url in urls:
            if re.match(r"(https?|wss?)://", url):
                assert url in (node.url, ws), f"{page.who} asked for {url}"
    tom.close()


def test_accessibility_and_screenshots(users, node, artifacts):
    """The message input's accessible name is Message (the name input's
    is checked at the prompt); the transcript is role=log; the page fits
    a desktop and a phone (screenshots)."""
    ann, bea = users
    assert ann.find("#message").accessible_name == "Message"
    assert len(ann.driver.find_elements(By.CSS_SELECTOR, "[role=log]")) == 1
    ann.tab("#lobby")
    ann.screenshot(os.path.join(artifacts, "page-desktop.png"), 1280, 800, phone=False)
    ann.screenshot(os.path.join(artifacts, "page-phone.png"), 390, 844, phone=True)
    # At phone width nothing overflows sideways, and the rooms, hidden
    # behind a button, are one tap away.
    assert ann.driver.execute_script("return document.documentElement.scrollWidth") <= 390
    assert not ann.find("#room-list").is_displayed()
    ann.find("#toggle-side").click()
    ann.until("the room list", lambda: ann.find("#room-list").is_displayed())
    ann.driver.save_screenshot(os.path.join(artifacts, "page-phone-rooms.png"))
    ann.click("#room-list button[data-room='#rust']")
    ann.until("#rust shown, the list closed", lambda: ann.find("#pane-title").text == "#rust"
              and not ann.find("#room-list").is_displayed())
    ann.full_size()


def test_registered_name_asks_for_its_password(users, node):
    """A registered name is refused without its password (the field
    appears), and with a wrong one; the right one logs in (SASL PLAIN)."""
    ann, bea = users
    rex = Telnet(node.chat_port).login("rex")
    rex.send("/register sesame-42")
    rex.expect("*** Registered rex")
    rex.send("/quit")
    rex.expect("*** Bye!")
    tom = Telnet(node.chat_port).login("tab")

    bea.type("/quit")
    bea.until("the name prompt again", lambda: bea.find("#name").is_displayed())
    tom.expect("*** bea has left")
    bea.submit_name("rex")
    bea.login_error("The name 'rex' is registered")
    assert bea.find("#password").is_displayed()
    bea.submit_name("rex", "not-it")
    bea.login_error("Wrong password")
    bea.login("rex", "sesame-42")
    tom.expect("*** rex has joined")
    tom.send("welcome rex")
    bea.sees("tab: welcome rex")
    tom.close()


def test_reload_shows_the_missed_lines_once(users, node):
    """The tab loads the page again (it leaves for about:blank, which
    closes its socket, and comes back: the same tab, so the same
    sessionStorage) while a telnet user says two lines: the page logs in
    again as ann by itself, rejoins #lobby and shows exactly the lines
    after the last one it had shown (CHATHISTORY AFTER, not LATEST), once
    each, in order, marked as missed; then chatting goes on. #rust is
    rejoined, and the private conversation's pane is back (empty)."""
    ann, rex = users   # bea logged in as rex in the password test
    tug = Telnet(node.chat_port).login("tug")
    ann.tab("#lobby")
    tug.send("said before the reload")
    ann.sees("tug: said before the reload")

    ann.driver.get("about:blank")
    tug.expect("*** ann has left")
    tug.send("missed one")
    tug.send("missed two")
    # Said, and so in #lobby's history, before the page comes back.
    rex.sees("tug: missed two")
    ann.driver.get(node.url)

    ann.until("ann in again without the name prompt", lambda: ann.find("#chat-view").is_displayed()
              and ann.find("#me").text == "as ann" and ann.status() in ("back", "connected"))
    assert not ann.find("#name").is_displayed()
    ann.tab("#lobby")
    ann.until("the two lines, marked as missed",
              lambda: [line[8:] for line in ann.lines(".line.missed")] == ["tug: missed one", "tug: missed two"])
    assert "missed while you were away: 2 lines" in ann.lines(".line.divider")[0], ann.lines(".line.divider")
    shown = [line[8:] for line in ann.lines(".line.chat")]
    assert shown.count("tug: missed one") == 1 and shown.count("tug: missed two") == 1, shown
    # After the last line shown before the reload, so not that one again.
    assert "tug: said before the reload" not in shown, shown

    ann.type("back after the reload")
    tug.expect("ann: back after the reload\r\n")
    rex.sees("ann: back after the reload")
    tug.send("welcome back")
    ann.sees("tug: welcome back")
    assert [line[8:] for line in ann.lines(".line.missed")] == ["tug: missed one", "tug: missed two"]
    shown = [line[8:] for line in ann.lines(".line.chat")]
    assert shown.index("tug: missed two") < shown.index("ann: back after the reload") < shown.index("tug: welcome back")
    ann.tab("#rust")
    ann.until("#rust rejoined too", lambda: ann.members() == ["@ann"])
    # The private conversation bea opened is there again, empty: private
    # messages are kept nowhere, its name in the tab's session.
    ann.tab("bea")
    assert "just us" not in ann.log_text(), ann.log_text()
    tug.close()


def test_reconnect_after_the_server_restarts(users, node):
    """The server is killed and started again: both pages say
    "reconnecting…", then "back", rejoin their rooms and chat again."""
    ann, bea = users
    node.kill()
    for page in users:
        page.until("reconnecting…", lambda page=page: "reconnecting" in page.status())
        # The member lists empty until the rejoin fills them again.
        page.until("no members while away", lambda page=page: page.members() == [])
    node.start()
    for page in users:
        page.until("back", lambda page=page: page.status() == "back")
    ann.tab("#lobby")
    ann.until("#lobby rejoined by both", lambda: ann.members() == ["ann", "rex"])
    tom = Telnet(node.chat_port).login("tip")
    ann.type("after the restart")
    tom.expect("ann: after the restart\r\n")
    tom.send("good to see you")
    ann.sees("tip: good to see you")
    bea.sees("tip: good to see you")
    ann.tab("#rust")
    ann.until("#rust rejoined", lambda: ann.members() == ["@ann"])
    tom.close()


@pytest.fixture(scope="module")
def cluster(node, programs, artifacts):
    """Two nodes, A and B, over one redis-server (the single node stops):
    a dead node's names are freed after --node-timeout, 2 s here."""
    node.stop()
    redis = Redis(programs["redis"], artifacts)
    flags = ["--redis", redis.url, "--node-timeout", "2"]
    a = Server(programs["linechat"], artifacts, "node-a", flags)
    b = Server(programs["linechat"], artifacts, "node-b", flags)
    try:
        yield redis, a.start(), b.start()
    finally:
        a.stop()
        b.stop()
        redis.stop()


def test_two_nodes_over_redis(users, cluster):
    """With --redis, ann's page on node A and tim on telnet on node B chat
    both ways."""
    ann, _ = users
    _, a, b = cluster
    ann.open(a.url)
    ann.login("ann")
    tim = Telnet(b.chat_port).login("tim")
    ann.until("tim among #lobby's members", lambda: "tim" in ann.members())
    tim.send("hello from node b")
    ann.sees("tim: hello from node b")
    ann.type("hello from node a")
    tim.expect("ann: hello from node a\r\n")
    tim.close()


def test_page_resumes_after_its_node_restarts(users, cluster):
    """Node A dies (SIGKILL, so it tells nobody) under ann's page; tam, on
    node B, says two lines while A is gone (they go into the shared Redis
    stream); A starts again on the same ports. The page reconnects by
    itself and takes the name ann back, never another (the dead node holds
    it until --node-timeout; refused meanwhile, the page tries again); it
    rejoins #lobby and asks CHATHISTORY AFTER the last line it showed: the
    two lines appear once each, in order, marked missed, and nothing shown
    before comes again; then ann and tam chat both ways."""
    ann, _ = users
    redis, a, b = cluster
    tam = Telnet(b.chat_port).login("tam")
    ann.tab("#lobby")
    tam.send("said before the kill")
    ann.sees("tam: said before the kill")
    before = [line[8:] for line in ann.lines(".line.chat")]
    assert before[-3:] == ["tim: hello from node b", "ann: hello from node a", "tam: said before the kill"], before
    last_shown = msgid_of(ann.frames(), "said before the kill")

    a.kill()
    ann.until("reconnecting…", lambda: "reconnecting" in ann.status())
    tam.send("missed one")
    tam.send("missed two")
    # In the stream the restarted node reads history from, before it starts.
    ann.until("both lines in #lobby's stream", lambda: redis.stream_holds("linechat:room:#lobby", "missed two"))
    assert "reconnecting" in ann.status(), ann.status()
    a.start()

    ann.until("ann back in as ann", lambda: ann.find("#me").text == "as ann"
              and ann.status() in ("back", "connected") and ann.find("#chat-view").is_displayed(), timeout=30)
    assert not ann.find("#name").is_displayed()
    tam.expect("*** ann has joined")
    ann.until("the two lines, marked as missed",
              lambda: [line[8:] for line in ann.lines(".line.missed")] == ["tam: missed one", "tam: missed two"])
    headings = [line for line in ann.lines(".line.divider") if "missed while you were away" in line]
    assert len(headings) == 1 and "missed while you were away: 2 lines" in headings[0], ann.lines(".line.divider")
    shown = [line[8:] for line in ann.lines(".line.chat")]
    # Once each, after what was shown before the kill, which is not shown again.
    assert shown == before + ["tam: missed one", "tam: missed two"], shown
    # Asked from the last line shown (not LATEST, which the page would
    # filter by msgid to the same lines here), and only as ann.
    sent = [line for way, line in ann.frames() if way == "sent"]
    asked = [line for line in sent if line.startswith("CHATHISTORY ")]
    assert len(asked) == 1 and asked[0].startswith(f"CHATHISTORY AFTER #lobby msgid={last_shown} "), asked
    assert {line for line in sent if line.startswith("NICK ")} == {"NICK ann"}, sent

    ann.type("node a is back")
    tam.expect("ann: node a is back\r\n")
    tam.send("welcome back")
    ann.sees("tam: welcome back")
    shown = [line[8:] for line in ann.lines(".line.chat")]
    assert shown == before + ["tam: missed one", "tam: missed two", "ann: node a is back", "tam: welcome back"], shown
    assert [line[8:] for line in ann.lines(".line.missed")] == ["tam: missed one", "tam: missed two"]
    tam.close()


def test_a_node_not_linked_yet_refuses_the_name_in_words(users, programs, artifacts):
    """A node that cannot reach Redis cannot check names: the page shows
    the server's words on the prompt and lets the user try again (it
    gave up the socket, which the server kept waiting for another name)."""
    _, bea = users
    lone = Server(programs["linechat"], artifacts, "node-unlinked", ["--redis", f"redis://127.0.0.1:{free_port()}/0"])
    try:
        bea.open(lone.start().url)
        bea.submit_name("bea")
        bea.login_error("This server is not linked to the others yet")
        bea.until("the prompt ready for another try", lambda: bea.find("#enter").is_enabled())
        assert bea.find("#name").is_displayed() and not bea.find("#chat-view").is_displayed()
    finally:
        lone.stop()


def test_https_page_speaks_wss(users, programs, artifacts):
    """Served over TLS (--webs-addr), the page opens its socket with
    wss:, and chats with a telnet user."""
    _, bea = users
    tls = self_signed(temp_dir(artifacts, "tls"))
    server = Server(programs["linechat"], artifacts, "node-tls", tls=tls).start()
    try:
        bea.open(server.url)
        bea.login("bea")
        urls = bea.requests()
        assert f"wss://127.0.0.1:{server.web_port}/ws" in urls, urls
        tess = Telnet(server.chat_port).login("tess")
        tess.send("hello over tls")
        bea.sees("tess: hello over tls")
        bea.type("hello back")
        tess.expect("bea: hello back\r\n")
        tess.close()
    finally:
        server.stop()

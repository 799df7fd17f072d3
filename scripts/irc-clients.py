#!/usr/bin/env python3
"""Real IRC clients against an IRC server, driven in tmux.

    python3 scripts/irc-clients.py [--server linechat|ngircd|inspircd] [irssi] [weechat]

Starts the server on a free loopback port (scripts/irc-server.sh; linechat
is $LINECHAT_BIN or target/debug/linechat), then for each client (irssi, and
WeeChat's curses client `weechat`) opens a tmux session running it and
plays one conversation with a second user, "bob": on linechat a telnet user
(the rooms are shared), on a peer a raw IRC connection. The client connects,
joins #one and #two, reads bob's line and answers it, sends bob a /msg, a
/me, sets #one's /topic, changes /nick, sets /away and /quit's. Each step
waits for its text on the client's screen (tmux capture-pane) or in what bob
reads, polling until a deadline (15 s): no sleep stands in for an answer.

What each client showed is kept in target/irc-clients/<server>-<client>.txt
(the screen after every step, then what bob read). Exit status 1 when a step's text never came
(the screen and bob's input so far are printed). tmux, irssi and weechat are
installed when missing (scripts/apt-tool.sh; LINECHAT_SKIP_IRC_CLIENTS=1
lets them be missing, and then the run is skipped and says so).
"""

import argparse
import os
import re
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEADLINE = 15.0
POLL = 0.05


class Failed(Exception):
    pass


def tool(program, package):
    out = subprocess.run(
        ["sh", os.path.join(ROOT, "scripts/apt-tool.sh"), program, package,
         "LINECHAT_SKIP_IRC_CLIENTS"],
        stdout=subprocess.PIPE, text=True)
    if out.returncode != 0:
        sys.exit(1)
    return out.stdout.strip() or None


def wait_for(what, probe, deadline=DEADLINE):
    """Polls probe() (text) until `what` (a regex) is in it."""
    end = time.monotonic() + deadline
    pattern = re.compile(what, re.I)
    while True:
        text = probe()
        if pattern.search(text):
            return text
        if time.monotonic() >= end:
            raise Failed("no %r within %.0f s; last seen:\n%s" % (what, deadline, text[-3000:]))
        time.sleep(POLL)


class Bob:
    """The second user: telnet on linechat, raw IRC on a peer."""

    def __init__(self, server, server_dir):
        self.irc = server != "linechat"
        port = read(server_dir, "port" if self.irc else "telnet-port")
        self.sock = socket.create_connection(("127.0.0.1", int(port)), timeout=5)
        self.sock.setblocking(False)
        self.seen = ""
        if self.irc:
            self.send("NICK bob")
            self.send("USER bob 0 * :Bob")
            self.expect(r" 001 ")
        else:
            self.expect("name")
            self.send("bob")
            self.expect("Welcome")

    def send(self, line):
        self.sock.sendall((line + "\r\n").encode())

    def read(self):
        while True:
            try:
                data = self.sock.recv(65536)
            except BlockingIOError:
                break
            if not data:
                break
            text = data.decode("utf-8", "replace")
            if self.irc:
                for ping in re.findall(r"^PING (.*)\r?$", text, re.M):
                    self.send("PONG " + ping)
            self.seen += text
        return self.seen

    def expect(self, what):
        return wait_for(what, self.read)

    def join(self, room):
        self.send(("JOIN %s" if self.irc else "/join %s") % room)

    def say(self, room, text):
        self.send(("PRIVMSG %s :%s" % (room, text)) if self.irc else text)


class Client:
    """One IRC client in a tmux session of its own."""

    def __init__(self, tmux, name, command, log):
        self.tmux, self.session, self.log = tmux, "linechat-irc-%s-%d" % (name, os.getpid()), log
        subprocess.run([tmux, "kill-session", "-t", self.session], stderr=subprocess.DEVNULL)
        subprocess.run([tmux, "new-session", "-d", "-s", self.session, "-x", "160", "-y", "48",
                        command], check=True)
        subprocess.run([tmux, "set-option", "-t", self.session, "remain-on-exit", "on"],
                       check=True)

    def screen(self):
        out = subprocess.run([self.tmux, "capture-pane", "-p", "-J", "-t", self.session,
                              "-S", "-200"], stdout=subprocess.PIPE, text=True)
        return out.stdout

    def type(self, line):
        subprocess.run([self.tmux, "send-keys", "-t", self.session, "-l", line], check=True)
        subprocess.run([self.tmux, "send-keys", "-t", self.session, "Enter"], check=True)

    def expect(self, what):
        return wait_for(what, self.screen)

    def dead(self):
        out = subprocess.run([self.tmux, "display-message", "-p", "-t", self.session,
                              "#{pane_dead}"], stdout=subprocess.PIPE, text=True)
        return "1" if out.stdout.strip() == "1" else ""

    def snapshot(self, step):
        self.log.write("==== %s\n%s\n" % (step, self.screen().rstrip()))
        self.log.flush()

    def close(self):
        subprocess.run([self.tmux, "kill-session", "-t", self.session], stderr=subprocess.DEVNULL)


def read(directory, name):
    with open(os.path.join(directory, name)) as f:
        return f.read().strip()


def converse(client, bob, nick, switch, away):
    """The conversation; `switch` is the client's command to show a channel,
    `away` what its status bar shows once away (the server's 306 goes to the
    server's window)."""
    steps = []

    def step(name, action, check):
        action()
        check()
        client.snapshot(name)
        steps.append(name)

    step("connect", lambda: None, lambda: client.expect("Welcome"))
    step("join #one", lambda: client.type("/join #one"), lambda: client.expect(r"joined #one"))
    step("join #two", lambda: client.type("/join #two"), lambda: client.expect(r"joined #two"))
    client.type(switch + " #one")
    step("bob joins #one", lambda: bob.join("#one"),
         lambda: client.expect(r"bob.{0,60}joined #one"))
    step("bob says hello", lambda: bob.say("#one", "hello from bob"),
         lambda: client.expect("hello from bob"))
    step("answer", lambda: client.type("hello from %s" % nick),
         lambda: bob.expect("hello from %s" % nick))
    step("/msg bob", lambda: client.type("/msg bob private words"),
         lambda: bob.expect("private words"))
    step("/me", lambda: client.type("/me waves"), lambda: bob.expect(r"(ACTION|%s) waves" % nick))
    step("/topic", lambda: client.type("/topic topic from %s" % nick),
         lambda: (client.expect("topic from %s" % nick), bob.expect("topic from %s" % nick)))
    step("/nick", lambda: client.type("/nick %s2" % nick),
         lambda: (client.expect(r"known as %s2" % nick), bob.expect(r"%s2" % nick)))
    step("/away", lambda: client.type("/away gone fishing"),
         lambda: client.expect(away))
    step("/quit", lambda: client.type("/quit bye all"),
         lambda: (bob.expect(r"%s2.{0,80}(QUIT|left|quit)" % nick),
                  wait_for("1", client.dead)))
    return steps


CLIENTS = {
    # name: (program, package, nick, command line, the command to show a
    # channel, what its status bar shows when away)
    "irssi": ("irssi", "irssi", "lcirssi",
              "{bin} --home={home} -n {nick} -c 127.0.0.1 -p {port}", "/window goto",
              r"\(zZzZ\)"),
    "weechat": ("weechat", "weechat-curses", "lcweechat",
                "{bin} --dir {home} -r '/set irc.server_default.nicks {nick};"
                "/set irc.server_default.username {nick};"
                "/set irc.look.server_buffer independent;"
                "/server add lc 127.0.0.1/{port} -notls;/connect lc'", "/buffer",
                r"\(gone fishing\)"),
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", default="linechat",
                        choices=["linechat", "ngircd", "inspircd"])
    parser.add_argument("clients", nargs="*", help="irssi, weechat (default: both)")
    args = parser.parse_args()
    args.clients = args.clients or list(CLIENTS)
    for name in args.clients:
        if name not in CLIENTS:
            parser.error("unknown client %s (irssi, weechat)" % name)
    tmux = tool("tmux", "tmux")
    if tmux is None:
        print("irc-clients: SKIPPED: no tmux (LINECHAT_SKIP_IRC_CLIENTS=1)")
        return 0
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    out_dir = os.path.join(target, "irc-clients")
    os.makedirs(out_dir, exist_ok=True)
    server_dir = os.path.join(out_dir, args.server + "-server")
    env = dict(os.environ)
    env.setdefault("LINECHAT_BIN", os.path.join(target, "debug", "linechat"))
    subprocess.run(["bash", os.path.join(ROOT, "scripts/irc-server.sh"), "start", args.server,
                    server_dir], check=True, env=env)
    failed = 0
    try:
        port = read(server_dir, "port")
        for name in args.clients:
            program, package, nick, command, switch, away = CLIENTS[name]
            binary = tool(program, package)
            if binary is None:
                print("irc-clients: %s SKIPPED: not installed (LINECHAT_SKIP_IRC_CLIENTS=1)" % name)
                continue
            home = os.path.join(out_dir, "%s-%s-home" % (args.server, name))
            subprocess.run(["rm", "-rf", home], check=True)
            os.makedirs(home)
            path = os.path.join(out_dir, "%s-%s.txt" % (args.server, name))
            with open(path, "w") as log:
                bob = Bob(args.server, server_dir)
                client = Client(tmux, name, command.format(
                    bin=binary, home=home, nick=nick, port=port), log)
                try:
                    steps = converse(client, bob, nick, switch, away)
                    print("irc-clients: %s on %s: %d steps ok (%s): %s"
                          % (name, args.server, len(steps), ", ".join(steps), path))
                except Failed as e:
                    failed += 1
                    client.snapshot("FAILED")
                    print("irc-clients: %s on %s FAILED: %s\nbob read:\n%s\nscreens: %s"
                          % (name, args.server, e, bob.read()[-2000:], path))
                finally:
                    log.write("==== what bob read (%s)\n%s\n"
                              % ("IRC" if bob.irc else "telnet", bob.read()))
                    client.close()
                    bob.sock.close()
    finally:
        subprocess.run(["bash", os.path.join(ROOT, "scripts/irc-server.sh"), "stop", server_dir])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

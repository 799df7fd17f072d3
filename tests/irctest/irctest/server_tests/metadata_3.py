"""
`IRCv3 Metadata 2 <https://github.com/ircv3/ircv3-specifications/pull/501>`_
(not to be confused with the `deprecated IRCv3 Metadata
<https://ircv3.net/specs/core/metadata-3.2>`_)
"""

import itertools

import pytest

from irctest import cases, runner
from irctest.numerics import (
    RPL_KEYNOTSET,
    RPL_KEYVALUE,
    RPL_METADATASUBOK,
    RPL_METADATASYNCLATER,
    RPL_WHOISKEYVALUE,
)
from irctest.patma import ANYDICT, ANYLIST, ANYSTR, Either
from irctest.specifications import OptionalBehaviors

METADATA_CAP_NAME = "draft/metadata-3"

CLIENT_NICKS = {
    1: "foo",
    2: "bar",
}


class MetadataTestCase(cases.BaseServerTestCase):
    def getMetadataBatchMessages(self, client):
        """Get messages from a metadata batch.

        Returns:
            A tuple of (batch_id, messages)
        """
        (batch_id, batch_params, messages) = self.getBatchMessages(client, "metadata")
        # TODO: validate that there is exactly 1 batch parameter indicating the target,
        # pending spec update
        return (batch_id, messages)

    def sub(self, client, keys):
        self.sendLine(2, "METADATA * SUB " + " ".join(keys))
        acknowledged_subs = []
        for m in self.getMessages(2):
            if m.command == RPL_METADATASYNCLATER:
                continue
            self.assertMessageMatch(
                m,
                command="770",  # RPL_METADATASUBOK
                params=["bar", *ANYLIST],
            )
            acknowledged_subs.extend(m.params[1:])
        self.assertEqual(
            sorted(acknowledged_subs),
            sorted(keys),
            fail_msg="Expected RPL_METADATASUBOK to ack {expects}, got {got}",
        )

    @cases.mark_specifications("IRCv3")
    def testGetOneUnsetValid(self):
        """<http://ircv3.net/specs/core/metadata-3.2.html#metadata-get>"""
        self.connectClient(
            "foo", capabilities=[METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True
        )
        self.sendLine(1, "METADATA * GET display-name")

        (batch_id, messages) = self.getMetadataBatchMessages(1)
        self.assertEqual(len(messages), 1, fail_msg="Expected one ERR_NOMATCHINGKEY")
        self.assertMessageMatch(
            messages[0],
            tags={"batch": batch_id, **ANYDICT},
            command="766",  # ERR_NOMATCHINGKEY
            fail_msg="Did not reply with 766 (ERR_NOMATCHINGKEY) to a "
            "request to an unset valid METADATA key: {msg}",
        )

    @cases.mark_specifications("IRCv3")
    def testGetTwoUnsetValid(self):
        """“Multiple keys may be given. The response will be either RPL_KEYVALUE,
        ERR_KEYINVALID or ERR_NOMATCHINGKEY for every key in order.”
        -- <http://ircv3.net/specs/core/metadata-3.2.html#metadata-get>
        """
        self.connectClient(
            "foo", capabilities=[METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True
        )
        self.sendLine(1, "METADATA * GET display-name avatar")
        (batch_id, messages) = self.getMetadataBatchMessages(1)
        self.assertEqual(len(messages), 2, fail_msg="Expected two ERR_NOMATCHINGKEY")
        self.assertMessageMatch(
            messages[0],
            command="766",  # RPL_KEYNOTSET
            fail_msg="Did not reply with 766 (RPL_KEYNOTSET) to a "
            "request to two unset valid METADATA key: {msg}",
        )
        self.assertMessageMatch(
            messages[0],
            params=["foo", "foo", "display-name", ANYSTR],
            fail_msg="Response to “METADATA * GET display-name avatar” "
            "did not respond to display-name first: {msg}",
        )
        self.assertMessageMatch(
            messages[1],
            command="766",  # RPL_KEYNOTSET
            fail_msg="Did not reply with two 766 (RPL_KEYNOTSET) to a "
            "request to two unset valid METADATA key: {msg}",
        )
        self.assertMessageMatch(
            messages[1],
            params=["foo", "foo", "avatar", ANYSTR],
            fail_msg="Response to “METADATA * GET display-name avatar” "
            "did not respond to avatar as second response: {msg}",
        )

    @cases.mark_specifications("IRCv3")
    def testListNoSet(self):
        """“This subcommand MUST list all currently-set metadata keys along
        with their values. The response will be zero or more RPL_KEYVALUE
        events, following by RPL_METADATAEND event.”
        -- <http://ircv3.net/specs/core/metadata-3.2.html#metadata-list>
        """
        self.connectClient(
            "foo", capabilities=[METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True
        )
        self.sendLine(1, "METADATA * LIST")
        (batch_id, messages) = self.getMetadataBatchMessages(1)
        self.assertEqual(len(messages), 0, fail_msg="Expected empty batch")

    @cases.mark_specifications("IRCv3")
    def testListInvalidTarget(self):
        """“In case of invalid target RPL_METADATAEND MUST NOT be sent.”
        -- <http://ircv3.net/specs/core/metadata-3.2.html#metadata-list>
        """
        self.connectClient(
            "foo", capabilities=[METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True
        )
        self.sendLine(1, "METADATA foobar LIST")
        m = self.getMessage(1)
        self.assertMessageMatch(
            m,
            command="FAIL",
            params=["METADATA", "INVALID_TARGET", "foobar", ANYSTR],
            fail_msg="Response to “METADATA <invalid target> LIST” was "
            "not 765 (ERR_TARGETINVALID) but: {msg}",
        )
        commands = {m.command for m in self.getMessages(1)}
        self.assertNotIn(
            "762",
            commands,
            fail_msg="Sent “METADATA <invalid target> LIST”, got FAIL INVALID_TARGET, "
            "and then 762 (RPL_METADATAEND)",
        )

    def assertSetValue(self, client, target, key, value, before_connect=False):
        self.sendLine(client, "METADATA {} SET {} :{}".format(target, key, value))

        if target == "*":
            target = Either("*", CLIENT_NICKS[client])

        nick = CLIENT_NICKS[client]
        if before_connect:
            nick = Either("*", nick)

        self.assertMessageMatch(
            self.getMessage(client),
            command="761",  # RPL_KEYVALUE
            params=[nick, target, key, ANYSTR, value],
        )

    def assertUnsetValue(self, client, target, key):
        self.sendLine(client, "METADATA {} SET {}".format(target, key))

        if target == "*":
            target = Either("*", CLIENT_NICKS[client])

        self.assertMessageMatch(
            self.getMessage(client),
            command="766",  # RPL_KEYNOTSET
            params=[CLIENT_NICKS[client], target, key, ANYSTR],
        )

    def assertGetValue(self, client, target, key, value, before_connect=False):
        self.sendLine(client, "METADATA {} GET {}".format(target, key))

        if target == "*":
            target = Either("*", CLIENT_NICKS[client])

        nick = CLIENT_NICKS[client]
        if before_connect:
            nick = Either("*", nick)

        (batch_id, messages) = self.getMetadataBatchMessages(client)
        self.assertEqual(len(messages), 1, fail_msg="Expected one RPL_KEYVALUE")
        self.assertMessageMatch(
            messages[0],
            command="761",  # RPL_KEYVALUE
            params=[nick, target, key, ANYSTR, value],
        )

    def assertValueNotSet(self, client, target, key):
        self.sendLine(client, "METADATA {} GET {}".format(target, key))

        if target == "*":
            target = Either("*", CLIENT_NICKS[client])

        (batch_id, messages) = self.getMetadataBatchMessages(client)
        self.assertEqual(len(messages), 1, fail_msg="Expected one RPL_KEYVALUE")
        self.assertMessageMatch(
            messages[0],
            command="766",  # RPL_KEYNOTSET
            params=[CLIENT_NICKS[client], target, key, ANYSTR],
        )

    def assertSetGetValue(self, client, target, key, value):
        self.assertSetValue(client, target, key, value)
        self.assertGetValue(client, target, key, value)

    def assertUnsetGetValue(self, client, target, key):
        self.assertUnsetValue(client, target, key)
        self.assertValueNotSet(client, target, key)

    def listMetadata(self, client, target):
        """Send METADATA <target> LIST and return the results as a {key: value} dict."""
        self.sendLine(client, f"METADATA {target} LIST")
        (_, messages) = self.getMetadataBatchMessages(client)
        result = {}
        for m in messages:
            self.assertMessageMatch(
                m,
                command="761",  # RPL_KEYVALUE
                fail_msg="Expected only RPL_KEYVALUE in LIST batch, got: {msg}",
            )
            result[m.params[2]] = m.params[4]
        return result

    @pytest.mark.parametrize(
        "set_target,get_target", itertools.product(["*", "foo"], ["*", "foo"])
    )
    @cases.mark_specifications("IRCv3")
    def testSetGetUser(self, set_target, get_target):
        """<http://ircv3.net/specs/core/metadata-3.2.html>"""
        self.connectClient(
            "foo", capabilities=[METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True
        )
        self.assertSetGetValue(1, set_target, "display-name", "Foo The First")

    @cases.mark_specifications("IRCv3")
    def testSetGetUserAgain(self):
        """<http://ircv3.net/specs/core/metadata-3.2.html>"""
        self.connectClient(
            "foo", capabilities=[METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True
        )
        self.assertSetGetValue(1, "*", "display-name", "Foo The First")
        self.assertSetGetValue(1, "*", "display-name", "Foo The Second")

    @cases.mark_specifications("IRCv3")
    def testSetUnsetUser(self):
        """<http://ircv3.net/specs/core/metadata-3.2.html>"""
        self.connectClient(
            "foo", capabilities=[METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True
        )
        self.assertSetGetValue(1, "*", "display-name", "Foo The First")
        self.assertUnsetGetValue(1, "*", "display-name")

    @cases.mark_specifications("IRCv3")
    def testGetOtherUser(self):
        self.connectClient(
            "foo", capabilities=[METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True
        )
        self.connectClient(
            "bar", capabilities=[METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True
        )

        # As of 2023-04-15, the Unreal module requires users to share a channel for
        # metadata to be visible to each other
        self.sendLine(1, "JOIN #chan")
        self.sendLine(2, "JOIN #chan")
        self.getMessages(1)
        self.getMessages(2)
        self.getMessages(1)

        self.assertSetValue(1, "*", "display-name", "Foo The First")
        self.assertEqual(
            self.getMessages(2),
            [],
            fail_msg="Unexpected messages after other user used METADATA SET: {got}",
        )
        self.assertGetValue(2, "foo", "display-name", "Foo The First")

    @cases.mark_specifications("IRCv3")
    @cases.xfailIfSoftware(
        ["UnrealIRCd"],
        "Not implemented yet in Unreal metadata module",
    )
    def testWhoisKeyValue(self):
        self.connectClient(
            "foo", capabilities=[METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True
        )
        self.connectClient(
            "bar", capabilities=[METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True
        )

        # As of 2023-04-15, the Unreal module requires users to share a channel for
        # metadata to be visible to each other
        self.joinChannel(1, "#chan")
        self.joinChannel(2, "#chan")
        self.getMessages(1)

        self.assertSetValue(1, "*", "display-name", "Foo The First")
        self.assertEqual(
            self.getMessages(2),
            [],
            fail_msg="Unexpected messages after other user used METADATA SET: {got}",
        )

        self.sendLine(2, "WHOIS foo")
        response = [
            msg for msg in self.getMessages(2) if msg.command == RPL_WHOISKEYVALUE
        ]
        self.assertEqual(
            len(response),
            1,
            fail_msg="Should receive exactly one RPL_WHOISKEYVALUE response: got {got}",
        )
        self.assertMessageMatch(
            response[0],
            command=RPL_WHOISKEYVALUE,
            params=["bar", "foo", "display-name", ANYSTR, "Foo The First"],
        )

    @cases.mark_specifications("IRCv3")
    def testSetClearOtherUser(self):
        """Unprivileged users cannot modify another user's metadata with SET or CLEAR,"""
        self.connectClient(
            "foo", capabilities=[METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True
        )
        self.connectClient(
            "bar", capabilities=[METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True
        )

        # As of 2023-04-15, the Unreal module requires users to share a channel for
        # metadata to be visible to each other.
        self.joinChannel(1, "#chan")
        self.joinChannel(2, "#chan")
        self.getMessages(1)

        # Give bar some metadata so there is something for foo to attempt to clear
        self.assertSetValue(2, "*", "color", "#c90076")
        self.getMessages(2)

        self.sendLine(1, "METADATA bar SET display-name :Totally Not Foo")
        self.assertMessageMatch(
            self.getMessage(1),
            command="FAIL",
            params=["METADATA", "KEY_NO_PERMISSION", "bar", "display-name", ANYSTR],
        )
        self.assertEqual(
            self.getMessages(2),
            [],
            fail_msg="Unexpected messages after other user used METADATA SET: {got}",
        )

        self.sendLine(1, "METADATA bar CLEAR")
        self.assertMessageMatch(
            self.getMessage(1),
            command="FAIL",
            params=["METADATA", "KEY_NO_PERMISSION", "bar", "*", ANYSTR],
        )
        self.assertEqual(
            self.getMessages(2),
            [],
            fail_msg="Unexpected messages after other user used METADATA CLEAR: {got}",
        )

        # check that metadata was not modified
        self.assertEqual(
            self.listMetadata(2, "*"),
            {"color": "#c90076"},
        )

    @cases.mark_specifications("IRCv3")
    def testSubUser(self):
        """<http://ircv3.net/specs/core/metadata-3.2.html>"""
        self.connectClient(
            "foo", capabilities=[METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True
        )
        self.connectClient(
            "bar", capabilities=[METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True
        )

        self.sub(2, ["avatar", "display-name"])

        self.sendLine(1, "JOIN #chan")
        self.sendLine(2, "JOIN #chan")
        self.getMessages(1)
        self.getMessages(2)
        self.getMessages(1)

        self.assertSetGetValue(1, "*", "display-name", "Foo The First")
        self.assertMessageMatch(
            self.getMessage(2),
            command=RPL_KEYVALUE,
            params=[ANYSTR, "foo", "display-name", ANYSTR, "Foo The First"],
        )

        self.assertSetGetValue(1, "*", "display-name", "Foo The Second")
        self.assertMessageMatch(
            self.getMessage(2),
            command=RPL_KEYVALUE,
            params=[ANYSTR, "foo", "display-name", ANYSTR, "Foo The Second"],
        )

        self.assertUnsetGetValue(1, "*", "display-name")
        self.assertMessageMatch(
            self.getMessage(2),
            command=RPL_KEYNOTSET,
            params=[ANYSTR, "foo", "display-name", ANYSTR],
        )

    @cases.mark_specifications("IRCv3")
    def testSubUserSetBeforeJoin(self):
        """<http://ircv3.net/specs/core/metadata-3.2.html>"""
        self.connectClient(
            "foo", capabilities=[METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True
        )
        self.connectClient(
            "bar", capabilities=[METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True
        )

        self.sub(2, ["display-name", "avatar"])

        self.assertSetGetValue(1, "*", "display-name", "Foo The First")
        self.assertEqual(
            self.getMessages(2),
            [],
            fail_msg="'bar' got message when 'foo' set its display-name even though "
            "they don't share a channel",
        )

        self.sendLine(1, "JOIN #chan")
        self.getMessages(1)
        self.sendLine(2, "JOIN #chan")

        messages = self.getMessages(2)
        metadata_messages = [m for m in messages if m.command == RPL_KEYVALUE]

        self.assertEqual(
            len(metadata_messages),
            1,
            fail_msg="Expected exactly one RPL_KEYVALUE message when joining a channel, "
            "got: {got}",
        )

        self.assertMessageMatch(
            metadata_messages[0],
            command=RPL_KEYVALUE,
            params=[ANYSTR, "foo", "display-name", ANYSTR, "Foo The First"],
        )

    @cases.mark_specifications("IRCv3")
    def testSetGetChannel(self):
        self.connectClient(
            "foo", capabilities=[METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True
        )
        self.connectClient(
            "bar", capabilities=[METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True
        )

        self.joinChannel(1, "#chan")
        self.joinChannel(2, "#chan")
        self.getMessages(1)

        self.assertSetGetValue(1, "#chan", "display-name", "Hash Channel")
        self.assertEqual(
            self.getMessages(2),
            [],
            fail_msg="Unexpected messages after other user used METADATA SET: {got}",
        )
        self.assertGetValue(2, "#chan", "display-name", "Hash Channel")

    @cases.mark_specifications("IRCv3")
    def testSetUnsetChannel(self):
        """<http://ircv3.net/specs/core/metadata-3.2.html>"""
        self.connectClient(
            "foo", capabilities=[METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True
        )
        self.connectClient(
            "bar", capabilities=[METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True
        )

        self.joinChannel(1, "#chan")
        self.joinChannel(2, "#chan")
        self.getMessages(1)

        self.assertSetGetValue(1, "#chan", "display-name", "Hash Channel")
        self.assertUnsetGetValue(1, "#chan", "display-name")
        self.assertEqual(
            self.getMessages(2),
            [],
            fail_msg="Unexpected messages after other user used METADATA SET: {got}",
        )
        self.assertValueNotSet(2, "#chan", "display-name")

    @cases.mark_specifications("IRCv3")
    def testListChannel(self):
        """METADATA LIST on a channel returns all set keys, and reflects unsets."""
        self.connectClient(
            "foo", capabilities=[METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True
        )
        self.connectClient(
            "bar", capabilities=[METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True
        )

        self.joinChannel(1, "#chan")
        self.joinChannel(2, "#chan")
        self.getMessages(1)

        self.assertSetValue(1, "#chan", "display-name", "Hash Channel")
        self.assertSetValue(1, "#chan", "avatar", "https://example.com/chan.png")
        self.getMessages(1)

        # Both keys should appear in LIST, for both the op and a regular member
        self.assertEqual(
            self.listMetadata(1, "#chan"),
            {"display-name": "Hash Channel", "avatar": "https://example.com/chan.png"},
        )
        self.assertEqual(
            self.listMetadata(2, "#chan"),
            {"display-name": "Hash Channel", "avatar": "https://example.com/chan.png"},
        )

        # After unsetting one key it should no longer appear
        self.assertUnsetValue(1, "#chan", "display-name")
        self.assertEqual(
            self.listMetadata(1, "#chan"),
            {"avatar": "https://example.com/chan.png"},
        )

    @cases.mark_specifications("IRCv3")
    def testClearChannel(self):
        """METADATA CLEAR by the channel op removes all channel metadata."""
        self.connectClient(
            "foo", capabilities=[METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True
        )

        self.joinChannel(1, "#chan")

        self.assertSetValue(1, "#chan", "display-name", "Hash Channel")
        self.assertSetValue(1, "#chan", "avatar", "https://example.com/chan.png")
        self.getMessages(1)

        self.sendLine(1, "METADATA #chan CLEAR")
        (_, messages) = self.getMetadataBatchMessages(1)
        # one RPL_KEYNOTSET per cleared key
        cleared_keys = []
        for m in messages:
            self.assertMessageMatch(
                m,
                command="766",  # RPL_KEYNOTSET
                params=["foo", "#chan", ANYSTR, ANYSTR],  # nick, target, key, trailing
                fail_msg="Expected RPL_KEYNOTSET for each cleared key, got: {msg}",
            )
            cleared_keys.append(m.params[2])
        self.assertEqual(
            sorted(cleared_keys),
            ["avatar", "display-name"],
        )

    @cases.mark_specifications("IRCv3")
    def testSetGetChannelNotOp(self):
        self.connectClient(
            "foo", capabilities=[METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True
        )
        self.connectClient(
            "bar", capabilities=[METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True
        )

        self.joinChannel(1, "#chan")
        self.joinChannel(2, "#chan")
        self.getMessages(1)

        self.sendLine(2, "METADATA #chan SET display-name :Sharp Channel")
        self.assertMessageMatch(
            self.getMessage(2),
            command="FAIL",
            params=["METADATA", "KEY_NO_PERMISSION", "#chan", "display-name", ANYSTR],
        )

        self.assertEqual(
            self.getMessages(1),
            [],
            fail_msg="Unexpected messages after other user used METADATA SET: {got}",
        )

    @cases.mark_specifications("IRCv3")
    def testGetListSyncInviteOnlyChannel(self):
        """Users not in an invite-only channel cannot read its metadata with
        GET, LIST, or SYNC."""
        self.connectClient(
            "foo", capabilities=[METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True
        )
        self.connectClient(
            "bar", capabilities=[METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True
        )

        # bar subscribes to display-name so that SYNC could potentially return it
        self.sub(2, ["display-name"])

        self.joinChannel(1, "#chan")
        self.assertSetValue(1, "#chan", "display-name", "Invite Only Chan")
        self.getMessages(1)

        self.sendLine(1, "MODE #chan +i")
        self.getMessages(1)

        # bar is not in the channel; none of GET, LIST, or SYNC should leak the value
        for subcommand in ("GET display-name", "LIST", "SYNC"):
            self.sendLine(2, f"METADATA #chan {subcommand}")
            messages = self.getMessages(2)
            for m in messages:
                self.assertNotIn(
                    "Invite Only Chan",
                    m.params,
                    fail_msg="Metadata value leaked to non-member of invite-only channel "
                    f"via {subcommand.split()[0]}: {{msg}}",
                )
            self.assertNotEqual(
                messages,
                [],
                fail_msg=f"Expected some response to METADATA {subcommand.split()[0]} "
                "on invite-only channel, got nothing",
            )

    @cases.mark_specifications("IRCv3")
    def testSubChannel(self):
        """<http://ircv3.net/specs/core/metadata-3.2.html>"""
        self.connectClient(
            "foo", capabilities=[METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True
        )
        self.connectClient(
            "bar", capabilities=[METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True
        )

        self.sub(2, ["avatar", "display-name"])

        self.joinChannel(1, "#chan")
        self.joinChannel(2, "#chan")
        self.getMessages(1)

        self.assertSetGetValue(1, "#chan", "display-name", "Hash Channel")
        self.assertMessageMatch(
            self.getMessage(2),
            command=RPL_KEYVALUE,
            params=[ANYSTR, "#chan", "display-name", ANYSTR, "Hash Channel"],
        )

        self.assertSetGetValue(1, "#chan", "display-name", "Harsh Channel")
        self.assertMessageMatch(
            self.getMessage(2),
            command=RPL_KEYVALUE,
            params=[ANYSTR, "#chan", "display-name", ANYSTR, "Harsh Channel"],
        )

    @cases.mark_specifications("IRCv3")
    def testSubChannelSetBeforeJoin(self):
        """<http://ircv3.net/specs/core/metadata-3.2.html>"""
        self.connectClient(
            "foo", capabilities=[METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True
        )
        self.connectClient(
            "bar", capabilities=[METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True
        )

        self.sub(2, ["display-name", "avatar"])

        self.sendLine(1, "JOIN #chan")
        self.getMessages(1)

        self.assertSetGetValue(1, "#chan", "display-name", "Hash Channel")
        self.assertEqual(
            self.getMessages(2),
            [],
            fail_msg="'bar' got message when 'foo' set #chan's display-name even "
            "though they are not in it",
        )

        self.sendLine(2, "JOIN #chan")

        messages = self.getMessages(2)
        metadata_messages = [m for m in messages if m.command == RPL_KEYVALUE]

        self.assertEqual(
            len(metadata_messages),
            1,
            fail_msg="Expected exactly one RPL_KEYVALUE message when joining a channel, "
            "got: {got}",
        )

        self.assertMessageMatch(
            metadata_messages[0],
            command=RPL_KEYVALUE,
            params=[ANYSTR, "#chan", "display-name", ANYSTR, "Hash Channel"],
        )

    @cases.mark_specifications("IRCv3")
    def testSetGetValidBeforeConnect(self):
        """<http://ircv3.net/specs/core/metadata-3.2.html>"""
        self.addClient(1)

        self.sendLine(1, "CAP LS 302")
        caps = self.getCapLs(1)
        if "before-connect" not in (caps.get(METADATA_CAP_NAME) or "").split(","):
            raise runner.OptionalBehaviorNotSupported(
                OptionalBehaviors.METADATA_BEFORE_CONNECT
            )

        self.requestCapabilities(1, [METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True)

        self.assertSetValue(
            1, "*", "display-name", "Foo The First", before_connect=True
        )

        self.sendLine(1, "NICK foo")
        self.sendLine(1, "USER foo 0 * :foo")
        self.sendLine(1, "CAP END")
        burst = self.getMessages(1)

        burst_batch = []
        batch_id = ""
        for msg in burst:
            if (
                batch_id == ""
                and msg.command == "BATCH"
                and len(msg.params) >= 3
                and msg.params[1] == "metadata"
            ):
                batch_id = msg.params[0][1:]
            elif batch_id != "":
                if msg.command == "BATCH" and msg.params[0] == "-" + batch_id:
                    batch_id = ""
                else:
                    burst_batch.append(msg)
        self.assertGreater(
            len(burst_batch), 0, "Must receive RPL_KEYVALUE lines for pre-set metadata"
        )
        self.assertTrue(
            any(
                self.messageEqual(
                    msg,
                    command=RPL_KEYVALUE,
                    params=[ANYSTR, "foo", "display-name", ANYSTR, "Foo The First"],
                )
                for msg in burst_batch
            )
        )

        self.assertGetValue(1, "*", "display-name", "Foo The First")

    @cases.mark_specifications("IRCv3")
    def testSetGetHeartInValue(self):
        """“Values are unrestricted, except that they MUST be UTF-8.”
        -- <http://ircv3.net/specs/core/metadata-3.2.html#metadata-restrictions>
        """
        heart = b"\xf0\x9f\x92\x9c".decode()
        self.connectClient(
            "foo", capabilities=[METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True
        )
        self.assertSetGetValue(
            1,
            "*",
            "display-name",
            "->{}<-".format(heart),
        )

    def _testSetInvalidValue(self, value):
        self.connectClient(
            "foo", capabilities=[METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True
        )
        self.connectClient(
            "bar", capabilities=[METADATA_CAP_NAME, "batch"], skip_if_cap_nak=True
        )
        self.joinChannel(1, "#chan")
        self.joinChannel(2, "#chan")
        self.getMessages(1)
        self.sendLine(2, "METADATA * SUB display-name")
        sub_replies = self.getMessages(2)
        # subscription after registration MUST receive some response beyond
        # RPL_METADATASUBOK; RPL_METADATASYNCLATER is most likely
        self.assertMessageMatch(
            sub_replies[0],
            command=RPL_METADATASUBOK,
            params=["bar", "display-name"],
        )

        # Sending directly because it is not valid UTF-8 so Python would
        # not like it
        self.clients[1].conn.sendall(
            b"METADATA * SET display-name :invalid UTF-8 ->\xc3<-\r\n"
        )
        try:
            commands = {m.command for m in self.getMessages(1)}
        except UnicodeDecodeError:
            assert False, "Server sent invalid UTF-8"
        self.assertNotIn(
            "761",
            commands,  # RPL_KEYVALUE
            fail_msg="Setting METADATA key to a value containing invalid "
            "UTF-8 was answered with 761 (RPL_KEYVALUE)",
        )
        self.clients[1].conn.sendall(b"METADATA * SET display-name :" + value + b"\r\n")
        messages = self.getMessages(1)
        # must get a FAIL and not a successful 761 RPL_KEYVALUE response
        self.assertEqual(
            len(messages),
            1,
            "Invalid METADATA value should produce exactly one FAIL message",
        )
        failMessage = messages[0]
        if failMessage.params[1] == "INVALID_VALUE":
            self.assertMessageMatch(
                failMessage,
                command="FAIL",
                # FAIL METADATA INVALID_VALUE key :trailing
                params=["METADATA", "INVALID_VALUE", ANYSTR, ANYSTR],
            )
        elif failMessage.params[1] == "INVALID_UTF8":
            # INVALID_UTF8 as per the UTF8ONLY spec
            self.assertMessageMatch(
                failMessage,
                command="FAIL",
                # FAIL METADATA INVALID_UTF8 :trailing
                params=["METADATA", "INVALID_UTF8", ANYSTR],
            )
        else:
            raise ValueError("Invalid FAIL code for SET", failMessage)

        # INVALID_VALUE as per the metadata spec, INVALID_UTF8 as per the UTF8ONLY spec
        # friends should not receive anything
        self.assertEqual(
            self.getMessages(2), [], "Unsuccessful metadata update must not be relayed"
        )

    @cases.mark_specifications("IRCv3")
    def testSetInvalidUtf8(self):
        """“Values are unrestricted, except that they MUST be UTF-8.”
        -- <http://ircv3.net/specs/core/metadata-3.2.html#metadata-restrictions>
        """
        self._testSetInvalidValue(b"invalid UTF-8: \xc3")

    @cases.mark_specifications("IRCv3")
    def testSetTooManyChars(self):
        """Assumes all servers reject values over 480 bytes. This isn't required by the
        spec, but makes them risk overflowing when printing the value, so they probably
        won't allow that.
        """
        self._testSetInvalidValue(b"abcd" * 120)

    @cases.mark_specifications("IRCv3")
    def testSetTooManyBytes(self):
        """Assumes all servers reject values over 480 bytes. This isn't required by the
        spec, but makes them risk overflowing when printing the value, so they probably
        won't allow that.
        """
        heart = b"\xf0\x9f\x92\x9c"
        self._testSetInvalidValue(heart * 120)

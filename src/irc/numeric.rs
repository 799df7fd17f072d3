//! The numeric replies linechat's IRC side sends, named as in
//! modern.ircdocs.horse and the IRCv3 specs. A plain table: one variant per
//! reply, with its three-digit code and its conventional name.

/// Defines [`Numeric`] with its code and name from one table.
macro_rules! numerics {
    ($($variant:ident = $code:literal, $name:literal;)*) => {
        /// A numeric reply.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Numeric {
            $(
                #[doc = $name]
                $variant,
            )*
        }

        impl Numeric {
            /// Every numeric, in code order.
            pub const ALL: &'static [Numeric] = &[$(Numeric::$variant),*];

            /// The three-digit code as text, as written on the wire.
            pub const fn code_str(self) -> &'static str {
                match self { $(Numeric::$variant => $code,)* }
            }

            /// The conventional name (`RPL_WELCOME`), for logs and docs.
            pub const fn name(self) -> &'static str {
                match self { $(Numeric::$variant => $name,)* }
            }
        }
    };
}

numerics! {
    Welcome = "001", "RPL_WELCOME";
    YourHost = "002", "RPL_YOURHOST";
    Created = "003", "RPL_CREATED";
    MyInfo = "004", "RPL_MYINFO";
    ISupport = "005", "RPL_ISUPPORT";
    UModeIs = "221", "RPL_UMODEIS";
    LuserClient = "251", "RPL_LUSERCLIENT";
    LuserOp = "252", "RPL_LUSEROP";
    LuserUnknown = "253", "RPL_LUSERUNKNOWN";
    LuserChannels = "254", "RPL_LUSERCHANNELS";
    LuserMe = "255", "RPL_LUSERME";
    LocalUsers = "265", "RPL_LOCALUSERS";
    GlobalUsers = "266", "RPL_GLOBALUSERS";
    SileList = "271", "RPL_SILELIST";
    EndOfSileList = "272", "RPL_ENDOFSILELIST";
    Away = "301", "RPL_AWAY";
    UserHost = "302", "RPL_USERHOST";
    UnAway = "305", "RPL_UNAWAY";
    NowAway = "306", "RPL_NOWAWAY";
    WhoisUser = "311", "RPL_WHOISUSER";
    WhoisServer = "312", "RPL_WHOISSERVER";
    WhoisOperator = "313", "RPL_WHOISOPERATOR";
    WhoWasUser = "314", "RPL_WHOWASUSER";
    EndOfWho = "315", "RPL_ENDOFWHO";
    WhoisIdle = "317", "RPL_WHOISIDLE";
    EndOfWhois = "318", "RPL_ENDOFWHOIS";
    WhoisChannels = "319", "RPL_WHOISCHANNELS";
    ListStart = "321", "RPL_LISTSTART";
    List = "322", "RPL_LIST";
    ListEnd = "323", "RPL_LISTEND";
    ChannelModeIs = "324", "RPL_CHANNELMODEIS";
    CreationTime = "329", "RPL_CREATIONTIME";
    WhoisAccount = "330", "RPL_WHOISACCOUNT";
    NoTopic = "331", "RPL_NOTOPIC";
    Topic = "332", "RPL_TOPIC";
    TopicWhoTime = "333", "RPL_TOPICWHOTIME";
    WhoisBot = "335", "RPL_WHOISBOT";
    InviteList = "336", "RPL_INVITELIST";
    EndOfInviteList = "337", "RPL_ENDOFINVITELIST";
    Inviting = "341", "RPL_INVITING";
    Version = "351", "RPL_VERSION";
    WhoReply = "352", "RPL_WHOREPLY";
    NamReply = "353", "RPL_NAMREPLY";
    WhoSpcRpl = "354", "RPL_WHOSPCRPL";
    EndOfNames = "366", "RPL_ENDOFNAMES";
    BanList = "367", "RPL_BANLIST";
    EndOfBanList = "368", "RPL_ENDOFBANLIST";
    EndOfWhoWas = "369", "RPL_ENDOFWHOWAS";
    Info = "371", "RPL_INFO";
    Motd = "372", "RPL_MOTD";
    EndOfInfo = "374", "RPL_ENDOFINFO";
    MotdStart = "375", "RPL_MOTDSTART";
    EndOfMotd = "376", "RPL_ENDOFMOTD";
    YoureOper = "381", "RPL_YOUREOPER";
    Time = "391", "RPL_TIME";
    NoSuchNick = "401", "ERR_NOSUCHNICK";
    NoSuchServer = "402", "ERR_NOSUCHSERVER";
    NoSuchChannel = "403", "ERR_NOSUCHCHANNEL";
    CannotSendToChan = "404", "ERR_CANNOTSENDTOCHAN";
    TooManyChannels = "405", "ERR_TOOMANYCHANNELS";
    WasNoSuchNick = "406", "ERR_WASNOSUCHNICK";
    NoOrigin = "409", "ERR_NOORIGIN";
    InvalidCapCmd = "410", "ERR_INVALIDCAPCMD";
    NoRecipient = "411", "ERR_NORECIPIENT";
    NoTextToSend = "412", "ERR_NOTEXTTOSEND";
    InputTooLong = "417", "ERR_INPUTTOOLONG";
    UnknownCommand = "421", "ERR_UNKNOWNCOMMAND";
    NoMotd = "422", "ERR_NOMOTD";
    NoNicknameGiven = "431", "ERR_NONICKNAMEGIVEN";
    ErroneousNickname = "432", "ERR_ERRONEUSNICKNAME";
    NicknameInUse = "433", "ERR_NICKNAMEINUSE";
    UnavailResource = "437", "ERR_UNAVAILRESOURCE";
    UserNotInChannel = "441", "ERR_USERNOTINCHANNEL";
    NotOnChannel = "442", "ERR_NOTONCHANNEL";
    UserOnChannel = "443", "ERR_USERONCHANNEL";
    NotRegistered = "451", "ERR_NOTREGISTERED";
    NeedMoreParams = "461", "ERR_NEEDMOREPARAMS";
    AlreadyRegistered = "462", "ERR_ALREADYREGISTERED";
    PasswdMismatch = "464", "ERR_PASSWDMISMATCH";
    ChannelIsFull = "471", "ERR_CHANNELISFULL";
    UnknownMode = "472", "ERR_UNKNOWNMODE";
    InviteOnlyChan = "473", "ERR_INVITEONLYCHAN";
    BannedFromChan = "474", "ERR_BANNEDFROMCHAN";
    BadChannelKey = "475", "ERR_BADCHANNELKEY";
    NeedReggedNick = "477", "ERR_NEEDREGGEDNICK";
    BanListFull = "478", "ERR_BANLISTFULL";
    NoPrivileges = "481", "ERR_NOPRIVILEGES";
    ChanOPrivsNeeded = "482", "ERR_CHANOPRIVSNEEDED";
    NoOperHost = "491", "ERR_NOOPERHOST";
    UModeUnknownFlag = "501", "ERR_UMODEUNKNOWNFLAG";
    UsersDontMatch = "502", "ERR_USERSDONTMATCH";
    SileListFull = "511", "ERR_SILELISTFULL";
    HelpNotFound = "524", "ERR_HELPNOTFOUND";
    InvalidKey = "525", "ERR_INVALIDKEY";
    InvalidModeParam = "696", "ERR_INVALIDMODEPARAM";
    HelpStart = "704", "RPL_HELPSTART";
    HelpTxt = "705", "RPL_HELPTXT";
    EndOfHelp = "706", "RPL_ENDOFHELP";
    MonOnline = "730", "RPL_MONONLINE";
    MonOffline = "731", "RPL_MONOFFLINE";
    MonList = "732", "RPL_MONLIST";
    EndOfMonList = "733", "RPL_ENDOFMONLIST";
    MonListFull = "734", "ERR_MONLISTFULL";
    LoggedIn = "900", "RPL_LOGGEDIN";
    LoggedOut = "901", "RPL_LOGGEDOUT";
    NickLocked = "902", "ERR_NICKLOCKED";
    SaslSuccess = "903", "RPL_SASLSUCCESS";
    SaslFail = "904", "ERR_SASLFAIL";
    SaslTooLong = "905", "ERR_SASLTOOLONG";
    SaslAborted = "906", "ERR_SASLABORTED";
    SaslAlready = "907", "ERR_SASLALREADY";
    SaslMechs = "908", "RPL_SASLMECHS";
}

impl Numeric {
    /// The code as a number.
    pub fn code(self) -> u16 {
        self.code_str()
            .bytes()
            .fold(0, |n, digit| n * 10 + u16::from(digit - b'0'))
    }

    /// The numeric with this code, if linechat uses it.
    pub fn from_code(code: u16) -> Option<Numeric> {
        Numeric::ALL.iter().copied().find(|n| n.code() == code)
    }

    /// Whether this is an error reply (400-599, and 902/904-907).
    pub fn is_error(self) -> bool {
        self.name().starts_with("ERR_")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_three_digits_unique_and_ordered() {
        let mut previous = 0;
        for numeric in Numeric::ALL {
            let code = numeric.code_str();
            assert_eq!(code.len(), 3, "{numeric:?}");
            assert!(code.bytes().all(|b| b.is_ascii_digit()));
            assert!(numeric.code() > previous, "{numeric:?} out of order");
            previous = numeric.code();
            assert_eq!(Numeric::from_code(numeric.code()), Some(*numeric));
            assert!(numeric.name().starts_with("RPL_") || numeric.is_error());
        }
    }

    #[test]
    fn known_values() {
        assert_eq!(Numeric::Welcome.code_str(), "001");
        assert_eq!(Numeric::Welcome.code(), 1);
        assert_eq!(Numeric::NicknameInUse.code(), 433);
        assert_eq!(Numeric::NicknameInUse.name(), "ERR_NICKNAMEINUSE");
        assert_eq!(Numeric::InvalidCapCmd.code(), 410);
        assert_eq!(Numeric::SaslSuccess.name(), "RPL_SASLSUCCESS");
        assert!(Numeric::SaslFail.is_error());
        assert!(!Numeric::Topic.is_error());
        assert_eq!(Numeric::from_code(999), None);
    }
}

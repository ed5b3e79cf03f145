//! The central server's address: read from `--server` or `SUFLER_SERVER`, never printed
//! with its password (every message shows [`Server::masked`], and any text that reaches the
//! user passes through [`Server::scrub`]), and connected with TLS when the URL asks for it.
//!
//! `sslmode` (libpq's meaning): `disable`; `prefer` (the default: TLS when the server offers
//! it); `require` (TLS or nothing; the server's certificate is not checked, as libpq does
//! without a root certificate); `verify-ca` (TLS, the certificate must chain to
//! `sslrootcert=FILE`, else to the system's roots); `verify-full` (that, and the host name
//! must match the certificate).

use std::time::Duration;

use super::SyncError;

/// How hard the connection insists on TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

/// A server URL (`postgresql://user:password@host:port/db?sslmode=require`) or libpq
/// key=value string (`host=… dbname=… password=…`).
#[derive(Clone)]
pub struct Server {
    /// What tokio-postgres parses: the URL less the options Sufler handles itself.
    config: String,
    /// Every form of the password as it may appear in a text.
    password: Vec<String>,
    masked: String,
    tls: Tls,
    root_cert: Option<String>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.masked)
    }
}

/// The environment variable read when `--server` is not given.
pub const SERVER_ENV: &str = "SUFLER_SERVER";

impl Server {
    /// `--server`, else `$SUFLER_SERVER`.
    pub fn from_arg_or_env(arg: Option<&str>) -> Result<Server, SyncError> {
        match arg {
            Some(url) => Server::parse(url),
            None => match std::env::var(SERVER_ENV) {
                Ok(url) if !url.trim().is_empty() => Server::parse(&url),
                _ => Err(SyncError::NoServer),
            },
        }
    }

    pub fn parse(text: &str) -> Result<Server, SyncError> {
        let text = text.trim();
        let password = find_password(text);
        let masked = mask(text, &password);
        let bad = |reason: String| SyncError::BadUrl {
            server: masked.clone(),
            reason,
        };
        let mut tls = Tls::Prefer;
        let mut root_cert = None;
        let config = if let Some((base, query)) = text
            .split_once('?')
            .filter(|_| text.starts_with("postgres://") || text.starts_with("postgresql://"))
        {
            let mut kept = Vec::new();
            for pair in query.split('&').filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                match k {
                    "sslmode" => {
                        tls = match v {
                            "disable" => Tls::Disable,
                            "allow" | "prefer" => Tls::Prefer,
                            "require" => Tls::Require,
                            "verify-ca" => Tls::VerifyCa,
                            "verify-full" => Tls::VerifyFull,
                            other => {
                                return Err(bad(format!(
                                    "sslmode `{other}`: expected disable, prefer, require, verify-ca or verify-full"
                                )))
                            }
                        };
                    }
                    "sslrootcert" => root_cert = Some(percent_decode(v)),
                    _ => kept.push(pair),
                }
            }
            // tokio-postgres knows disable, prefer and require; the checks of verify-ca and
            // verify-full are made by the TLS connector (see `connect`).
            kept.push(match tls {
                Tls::Disable => "sslmode=disable",
                Tls::Prefer => "sslmode=prefer",
                _ => "sslmode=require",
            });
            format!("{base}?{}", kept.join("&"))
        } else {
            text.to_string()
        };
        let parsed: postgres::Config = config
            .parse()
            .map_err(|e: postgres::Error| bad(mask(&e.to_string(), &password)))?;
        if !(text.starts_with("postgres://") || text.starts_with("postgresql://")) {
            tls = match parsed.get_ssl_mode() {
                postgres::config::SslMode::Disable => Tls::Disable,
                postgres::config::SslMode::Require => Tls::Require,
                _ => Tls::Prefer,
            };
        }
        Ok(Server {
            config,
            password,
            masked,
            tls,
            root_cert,
        })
    }

    /// The URL with its password replaced by `***`: the only form ever shown.
    pub fn masked(&self) -> &str {
        &self.masked
    }

    pub fn tls(&self) -> Tls {
        self.tls
    }

    /// `text` with the password (if any) replaced by `***`, on one line.
    pub fn scrub(&self, text: &str) -> String {
        mask(text, &self.password).replace('\n', " ")
    }

    /// The message of a PostgreSQL error: the server's own message for an SQL error, the
    /// cause for a connection failure; one line, the password scrubbed.
    pub fn reason(&self, e: &postgres::Error) -> String {
        let text = match e.as_db_error() {
            Some(db) => format!("{} ({})", db.message(), db.code().code()),
            None => {
                let mut text = e.to_string();
                let mut source = std::error::Error::source(e);
                while let Some(s) = source {
                    let more = s.to_string();
                    if !text.contains(&more) {
                        text = format!("{text}: {more}");
                    }
                    source = s.source();
                }
                text
            }
        };
        self.scrub(&text)
    }

    /// Connects (10 s timeout), with TLS as the URL asks.
    pub fn connect(&self) -> Result<postgres::Client, SyncError> {
        let mut config: postgres::Config =
            self.config
                .parse()
                .map_err(|e: postgres::Error| SyncError::BadUrl {
                    server: self.masked.clone(),
                    reason: self.reason(&e),
                })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        if config.get_application_name().is_none() {
            config.application_name("sufler");
        }
        let unreachable = |e: postgres::Error| SyncError::Unreachable {
            server: self.masked.clone(),
            reason: self.reason(&e),
        };
        if self.tls == Tls::Disable {
            return config.connect(postgres::NoTls).map_err(unreachable);
        }
        let mut builder = native_tls::TlsConnector::builder();
        match self.tls {
            Tls::VerifyFull => {}
            Tls::VerifyCa => {
                builder.danger_accept_invalid_hostnames(true);
            }
            _ => {
                builder
                    .danger_accept_invalid_certs(true)
                    .danger_accept_invalid_hostnames(true);
            }
        }
        if let Some(path) = &self.root_cert {
            let pem = std::fs::read(path).map_err(|e| SyncError::Tls {
                server: self.masked.clone(),
                reason: format!("cannot read sslrootcert {path}: {e}"),
            })?;
            let cert = native_tls::Certificate::from_pem(&pem).map_err(|e| SyncError::Tls {
                server: self.masked.clone(),
                reason: format!("sslrootcert {path} is not a PEM certificate: {e}"),
            })?;
            builder.add_root_certificate(cert);
            builder.disable_built_in_roots(true);
        }
        let connector = builder.build().map_err(|e| SyncError::Tls {
            server: self.masked.clone(),
            reason: e.to_string(),
        })?;
        config
            .connect(postgres_native_tls::MakeTlsConnector::new(connector))
            .map_err(unreachable)
    }
}

/// The password of a URL (`scheme://user:password@…` or `?password=…`) or of a key=value
/// string (`password=…`, possibly quoted): every form of it to mask, as written first.
fn find_password(text: &str) -> Vec<String> {
    let mut forms = Vec::new();
    let mut add = |raw: &str, value: String| {
        if !raw.is_empty() {
            forms.push(raw.to_string());
            let decoded = percent_decode(raw);
            if decoded != raw {
                forms.push(decoded);
            }
        }
        if !value.is_empty() && !forms.contains(&value) {
            forms.push(value);
        }
    };
    if let Some(q) = text.split_once('?').map(|(_, q)| q) {
        for p in q.split('&') {
            if let Some(v) = p.strip_prefix("password=") {
                add(v, String::new());
            }
        }
    }
    if let Some(rest) = text
        .strip_prefix("postgresql://")
        .or_else(|| text.strip_prefix("postgres://"))
    {
        let authority = rest.split(['/', '?']).next().unwrap_or("");
        if let Some((userinfo, _)) = authority.rsplit_once('@') {
            if let Some((_, password)) = userinfo.split_once(':') {
                add(password, String::new());
            }
        }
        return forms;
    }
    let mut rest = text;
    while let Some(at) = rest.find("password") {
        let after = &rest[at + "password".len()..];
        rest = after;
        let Some(value) = after.trim_start().strip_prefix('=') else {
            continue;
        };
        let value = value.trim_start();
        if let Some(quoted) = value.strip_prefix('\'') {
            let mut out = String::new();
            let mut raw_len = 0;
            let mut chars = quoted.char_indices();
            while let Some((i, c)) = chars.next() {
                raw_len = i + c.len_utf8();
                match c {
                    '\\' => {
                        if let Some((j, n)) = chars.next() {
                            out.push(n);
                            raw_len = j + n.len_utf8();
                        }
                    }
                    '\'' => {
                        raw_len = i;
                        break;
                    }
                    c => out.push(c),
                }
            }
            add(&quoted[..raw_len], out);
        } else {
            let raw = value.split_whitespace().next().unwrap_or("");
            add(raw, String::new());
        }
    }
    forms
}

/// `text` with every form of the password replaced by `***`.
fn mask(text: &str, password: &[String]) -> String {
    let mut out = text.to_string();
    for p in password.iter().filter(|p| !p.is_empty()) {
        out = out.replace(p.as_str(), "***");
    }
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_masked_in_every_form() {
        let s = Server::parse("postgresql://bank:S3cr%40t@db.example:5432/sufler").unwrap();
        assert_eq!(s.masked(), "postgresql://bank:***@db.example:5432/sufler");
        assert_eq!(
            s.scrub("login as bank with S3cr@t failed"),
            "login as bank with *** failed"
        );
        let s = Server::parse("host=db dbname=sufler password='a b\\'c' user=x").unwrap();
        assert!(!s.masked().contains("a b"), "{}", s.masked());
        let s = Server::parse("postgresql://db/sufler?user=x&password=hunter22").unwrap();
        assert!(!s.masked().contains("hunter22"));
        let s = Server::parse("postgresql://x@db/sufler").unwrap();
        assert_eq!(s.masked(), "postgresql://x@db/sufler");
    }

    #[test]
    fn sslmode_is_read_from_the_url() {
        let tls = |url: &str| Server::parse(url).unwrap().tls();
        assert_eq!(tls("postgresql://h/db"), Tls::Prefer);
        assert_eq!(tls("postgresql://h/db?sslmode=require"), Tls::Require);
        assert_eq!(tls("postgresql://h/db?sslmode=disable"), Tls::Disable);
        assert_eq!(
            tls("postgresql://h/db?sslmode=verify-full"),
            Tls::VerifyFull
        );
        assert_eq!(tls("host=h sslmode=require"), Tls::Require);
        let e = Server::parse("postgresql://u:pw1234@h/db?sslmode=maybe").unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("sslmode `maybe`") && !text.contains("pw1234"),
            "{text}"
        );
    }

    #[test]
    fn a_bad_url_is_refused_without_its_password() {
        let e = Server::parse("postgresql://u:topsecret@h:notaport/db").unwrap_err();
        assert!(!e.to_string().contains("topsecret"), "{e}");
    }
}

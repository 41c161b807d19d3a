//! The one HTTP client: every request the app makes goes through an agent built here, with the
//! app's user agent, statuses as values (callers decide what a 404 means) and explicit timeouts.

use std::time::Duration;

/// The user agent every request carries.
pub const USER_AGENT: &str = concat!("cortensor-manager/", env!("CARGO_PKG_VERSION"));

/// How long a request may take.
#[derive(Debug, Clone, Copy)]
pub enum Timeouts {
    /// The whole exchange, connect to last byte.
    Global(Duration),
    /// Connect and response head within `connect`, the body within `body` (large downloads).
    Split { connect: Duration, body: Duration },
}

/// An agent with the app's defaults.
pub fn agent(timeouts: Timeouts) -> ureq::Agent {
    let cfg = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .user_agent(USER_AGENT)
        // Redirects are followed by [`get`], which refuses https → http.
        .max_redirects(0)
        .max_redirects_will_error(false);
    let cfg = match timeouts {
        Timeouts::Global(t) => cfg.timeout_global(Some(t)),
        Timeouts::Split { connect, body } => cfg
            .timeout_connect(Some(connect))
            .timeout_recv_response(Some(connect))
            .timeout_recv_body(Some(body)),
    };
    cfg.build().into()
}

/// An agent for uploads: no redirects (a redirected POST would be re-sent as a GET, or to a
/// plain-http address), the whole exchange within `timeout`.
pub fn upload_agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .user_agent(USER_AGENT)
        .max_redirects(0)
        .timeout_global(Some(timeout))
        .build()
        .into()
}

/// How many redirects [`get`] follows.
pub const MAX_HOPS: u32 = 5;

/// Whether a redirect from `from` to `to` may be followed: never from https to anything else
/// (a downgrade would let the network swap what we download or read), except to loopback.
pub fn redirect_allowed(from: &url::Url, to: &url::Url) -> Result<(), String> {
    let loopback = matches!(to.host_str(), Some("127.0.0.1" | "localhost"));
    match (from.scheme(), to.scheme()) {
        (_, "https") => Ok(()),
        ("http", "http") => Ok(()),
        ("https", "http") if loopback => Ok(()),
        (f, t) => Err(format!("{from} redirected to {to} ({f} to {t}): refused")),
    }
}

/// GET `url` with `headers`, following at most [`MAX_HOPS`] redirects under
/// [`redirect_allowed`] (relative `Location`s resolved; the headers, such as `Range`, sent
/// again on every hop).
pub fn get(
    agent: &ureq::Agent,
    url: &str,
    headers: &[(&str, String)],
) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
    let mut current =
        url::Url::parse(url).map_err(|e| ureq::Error::BadUri(format!("{url}: {e}")))?;
    for _ in 0..=MAX_HOPS {
        let mut req = agent.get(current.as_str());
        for (k, v) in headers {
            req = req.header(*k, v.as_str());
        }
        let resp = req.call()?;
        if !matches!(resp.status().as_u16(), 301 | 302 | 303 | 307 | 308) {
            return Ok(resp);
        }
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                ureq::Error::BadUri(format!("{current} redirected without a Location"))
            })?;
        let next = current.join(location).map_err(|e| {
            ureq::Error::BadUri(format!("{current} redirected to '{location}': {e}"))
        })?;
        redirect_allowed(&current, &next).map_err(ureq::Error::RequireHttpsOnly)?;
        current = next;
    }
    Err(ureq::Error::TooManyRedirects)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redirect_never_leaves_https_except_for_loopback() {
        let u = |s: &str| url::Url::parse(s).unwrap();
        assert!(
            redirect_allowed(&u("https://github.com/x"), &u("https://objects.example/y")).is_ok()
        );
        assert!(redirect_allowed(&u("http://127.0.0.1:1/x"), &u("http://127.0.0.1:1/y")).is_ok());
        assert!(
            redirect_allowed(&u("http://127.0.0.1:1/x"), &u("https://mirror.example/y")).is_ok()
        );
        let err = redirect_allowed(
            &u("https://mirror.example/m.json"),
            &u("http://evil.example/m.json"),
        )
        .unwrap_err();
        assert!(
            err.contains("https to http") && err.contains("refused"),
            "{err}"
        );
        assert!(
            redirect_allowed(&u("https://mirror.example/"), &u("ftp://mirror.example/")).is_err()
        );
    }
}

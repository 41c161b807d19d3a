//! Loading a leaderboard from a file or an HTTP(S) URL, with a conditional-request cache in the
//! store (ETag / If-Modified-Since), timeouts, and retries with backoff. When the server cannot
//! be reached the last good copy is used and its age is shown.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::platform::http;
use crate::store::{CachedResponse, Store, StoreError};
use cortensor_contest::leaderboard::{parse_any, Leaderboard, LeaderboardError};

/// Largest leaderboard document accepted (a real one is well under 10 MiB).
const MAX_BODY: u64 = 64 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub enum Location {
    File(PathBuf),
    Url(String),
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("'{input}' is not a usable URL: {reason}. Write a full address such as https://dashboard.example/leaderboard, or a file path.")]
    BadUrl { input: String, reason: String },
    #[error("cannot read the leaderboard file {path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot fetch {url}: {reason} (tried {attempts} times). Check the address and your connection.")]
    Http {
        url: String,
        reason: String,
        attempts: u32,
    },
    #[error("{url} answered HTTP {status}: {hint}")]
    Status {
        url: String,
        status: u16,
        hint: &'static str,
    },
    #[error("{url} is larger than {limit} bytes, which is not what was expected there")]
    TooLarge { url: String, limit: u64 },
    #[error("{location}: {source}")]
    Leaderboard {
        location: String,
        source: LeaderboardError,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where the leaderboard came from and how fresh it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SourceInfo {
    pub location: String,
    /// True when the data is the cached copy (server said 304, or could not be reached).
    pub from_cache: bool,
    /// Seconds since the data was last confirmed by its source (0 for a file just read).
    #[ts(type = "number")]
    pub age_seconds: i64,
    /// Set when the data may be stale (the refresh failed).
    pub warning: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Loaded {
    pub leaderboard: Leaderboard,
    pub source: SourceInfo,
}

#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Whole-request timeout.
    pub timeout: Duration,
    /// Extra attempts after the first, on connection errors, timeouts and 5xx answers.
    pub retries: u32,
    /// First backoff; doubles after each failed attempt.
    pub backoff: Duration,
    /// The largest body read; a larger one is an error (a small file that is not small).
    pub max_body: u64,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            timeout: Duration::from_secs(15),
            retries: 2,
            backoff: Duration::from_millis(500),
            max_body: MAX_BODY,
        }
    }
}

pub fn parse_location(input: &str) -> Result<Location, FetchError> {
    let t = input.trim();
    if t.is_empty() {
        return Err(FetchError::BadUrl {
            input: input.into(),
            reason: "it is empty".into(),
        });
    }
    if !t.contains("://") {
        return Ok(Location::File(PathBuf::from(t)));
    }
    let bad = |reason: String| FetchError::BadUrl {
        input: input.into(),
        reason,
    };
    let url = url::Url::parse(t).map_err(|e| bad(e.to_string()))?;
    match url.scheme() {
        "http" | "https" => {}
        other => {
            return Err(bad(format!(
                "the scheme '{other}' is not supported (use http or https)"
            )))
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("it has no host".into()));
    }
    Ok(Location::Url(url.to_string()))
}

use crate::platform::clock::now_unix as now;

/// Load a leaderboard from `input` (a path or an http(s) URL). `store` caches URL fetches.
pub fn load(input: &str, store: Option<&Store>, opts: &FetchOptions) -> Result<Loaded, FetchError> {
    match parse_location(input)? {
        Location::File(path) => {
            let shown = path.display().to_string();
            let text = std::fs::read_to_string(&path).map_err(|source| FetchError::File {
                path: shown.clone(),
                source,
            })?;
            let leaderboard = parse_any(&text).map_err(|source| FetchError::Leaderboard {
                location: shown.clone(),
                source,
            })?;
            Ok(Loaded {
                leaderboard,
                source: SourceInfo {
                    location: shown,
                    from_cache: false,
                    age_seconds: 0,
                    warning: None,
                },
            })
        }
        Location::Url(url) => load_url(&url, store, opts),
    }
}

enum Answer {
    Fresh {
        body: String,
        etag: Option<String>,
        last_modified: Option<String>,
    },
    NotModified,
}

fn load_url(url: &str, store: Option<&Store>, opts: &FetchOptions) -> Result<Loaded, FetchError> {
    let cached = match store {
        Some(s) => s.cached(url)?,
        None => None,
    };
    let from_cache = |c: &CachedResponse, warning: Option<String>| -> Result<Loaded, FetchError> {
        let leaderboard = parse_any(&c.body).map_err(|source| FetchError::Leaderboard {
            location: format!("{url} (cached copy)"),
            source,
        })?;
        Ok(Loaded {
            leaderboard,
            source: SourceInfo {
                location: url.to_string(),
                from_cache: true,
                age_seconds: now() - c.fetched_at,
                warning,
            },
        })
    };
    let stale = |c: &CachedResponse, why: &dyn std::fmt::Display| {
        format!(
            "could not refresh ({why}); showing the copy from {} ago",
            crate::platform::clock::describe_age(now() - c.fetched_at)
        )
    };

    let answer = match http_get(url, cached.as_ref(), opts) {
        Ok(a) => a,
        Err(e) => {
            return match &cached {
                Some(c) => from_cache(c, Some(stale(c, &e))),
                None => Err(e),
            }
        }
    };
    match answer {
        Answer::NotModified => {
            let mut c = cached.expect("304 is only possible after a conditional request");
            c.fetched_at = now();
            if let Some(s) = store {
                s.put_cached(&c)?;
            }
            from_cache(&c, None)
        }
        Answer::Fresh {
            body,
            etag,
            last_modified,
        } => match parse_any(&body) {
            Ok(leaderboard) => {
                if let Some(s) = store {
                    s.put_cached(&CachedResponse {
                        url: url.to_string(),
                        etag,
                        last_modified,
                        body,
                        fetched_at: now(),
                    })?;
                }
                Ok(Loaded {
                    leaderboard,
                    source: SourceInfo {
                        location: url.to_string(),
                        from_cache: false,
                        age_seconds: 0,
                        warning: None,
                    },
                })
            }
            Err(source) => match &cached {
                Some(c) => from_cache(
                    c,
                    Some(stale(
                        c,
                        &format!("the server sent a bad leaderboard: {source}"),
                    )),
                ),
                None => Err(FetchError::Leaderboard {
                    location: url.to_string(),
                    source,
                }),
            },
        },
    }
}

/// GET `url` as text, with the timeout and retries of `opts` (what the release source reads:
/// manifests and Git LFS pointers). Errors say what happened, with a hint for HTTP statuses.
pub fn get_text(url: &str, opts: &FetchOptions) -> Result<String, FetchError> {
    match http_get(url, None, opts)? {
        Answer::Fresh { body, .. } => Ok(body),
        Answer::NotModified => unreachable!("no conditional request without a cached copy"),
    }
}

/// [`get_text`], as a conditional request when `store` holds an earlier answer (ETag,
/// Last-Modified): an unchanged resource costs the server a 304 and no rate-limit quota
/// (GitHub's API does not count 304s).
pub fn get_text_cached(
    url: &str,
    opts: &FetchOptions,
    store: Option<&Store>,
) -> Result<String, FetchError> {
    let Some(store) = store else {
        return get_text(url, opts);
    };
    let cached = store.cached(url)?;
    match http_get(url, cached.as_ref(), opts)? {
        Answer::NotModified => {
            let mut c = cached.expect("304 is only possible after a conditional request");
            c.fetched_at = now();
            store.put_cached(&c)?;
            Ok(c.body)
        }
        Answer::Fresh {
            body,
            etag,
            last_modified,
        } => {
            if etag.is_some() || last_modified.is_some() {
                store.put_cached(&CachedResponse {
                    url: url.to_string(),
                    etag,
                    last_modified,
                    body: body.clone(),
                    fetched_at: now(),
                })?;
            }
            Ok(body)
        }
    }
}

fn status_hint(status: u16) -> &'static str {
    match status {
        401 | 403 => "access denied; the dashboard may need a different address",
        404 => "nothing at this address; check the URL (dashboards and mirrors move when the network changes)",
        429 => "too many requests; try again in a minute",
        500..=599 => "the server has a problem on its side; try again later",
        _ => "unexpected answer; check the URL",
    }
}

fn http_get(
    url: &str,
    cached: Option<&CachedResponse>,
    opts: &FetchOptions,
) -> Result<Answer, FetchError> {
    let agent = http::agent(http::Timeouts::Global(opts.timeout));
    let mut attempts = 0;
    let mut backoff = opts.backoff;
    loop {
        attempts += 1;
        let mut headers = vec![("Accept", "application/json".to_string())];
        if let Some(c) = cached {
            if let Some(etag) = &c.etag {
                headers.push(("If-None-Match", etag.clone()));
            }
            if let Some(lm) = &c.last_modified {
                headers.push(("If-Modified-Since", lm.clone()));
            }
        }
        let retryable = match http::get(&agent, url, &headers) {
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                let header = |name: &str| {
                    resp.headers()
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string)
                };
                match status {
                    304 if cached.is_some() => return Ok(Answer::NotModified),
                    200..=299 => {
                        let (etag, last_modified) = (header("etag"), header("last-modified"));
                        match resp
                            .body_mut()
                            .with_config()
                            .limit(opts.max_body)
                            .read_to_string()
                        {
                            Ok(body) => {
                                return Ok(Answer::Fresh {
                                    body,
                                    etag,
                                    last_modified,
                                })
                            }
                            Err(ureq::Error::BodyExceedsLimit(limit)) => {
                                return Err(FetchError::TooLarge {
                                    url: url.to_string(),
                                    limit,
                                })
                            }
                            Err(e) => e.to_string(),
                        }
                    }
                    500..=599 => format!("HTTP {status}"),
                    _ => {
                        return Err(FetchError::Status {
                            url: url.to_string(),
                            status,
                            hint: status_hint(status),
                        })
                    }
                }
            }
            Err(e) => match e {
                ureq::Error::Timeout(_) => {
                    format!("no answer within {:.1} s", opts.timeout.as_secs_f64())
                }
                other => other.to_string(),
            },
        };
        if attempts > opts.retries {
            return Err(FetchError::Http {
                url: url.to_string(),
                reason: retryable,
                attempts,
            });
        }
        std::thread::sleep(backoff);
        backoff *= 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations() {
        assert_eq!(
            parse_location("board.json").unwrap(),
            Location::File("board.json".into())
        );
        assert!(matches!(
            parse_location("http://127.0.0.1:8080/lb").unwrap(),
            Location::Url(_)
        ));
        for bad in [
            "",
            "ftp://host/x",
            "http://",
            "htp//x://",
            "https://exa mple.com/",
        ] {
            let err = parse_location(bad).unwrap_err().to_string();
            assert!(err.contains("not a usable URL"), "{bad}: {err}");
        }
    }
}

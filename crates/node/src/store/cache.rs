//! HTTP responses cached for conditional requests (ETag, Last-Modified) and stale fallback.

use rusqlite::{params, OptionalExtension};

use super::{Store, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct CachedResponse {
    pub url: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub body: String,
    /// Unix seconds of the last time the server confirmed this body (200 or 304).
    pub fetched_at: i64,
}

impl Store {
    pub fn cached(&self, url: &str) -> Result<Option<CachedResponse>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT url, etag, last_modified, body, fetched_at FROM http_cache WHERE url = ?1",
                params![url],
                |r| {
                    Ok(CachedResponse {
                        url: r.get(0)?,
                        etag: r.get(1)?,
                        last_modified: r.get(2)?,
                        body: r.get(3)?,
                        fetched_at: r.get(4)?,
                    })
                },
            )
            .optional()?)
    }

    pub fn put_cached(&self, c: &CachedResponse) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO http_cache (url, etag, last_modified, body, fetched_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(url) DO UPDATE SET etag = ?2, last_modified = ?3, body = ?4, fetched_at = ?5",
            params![c.url, c.etag, c.last_modified, c.body, c.fetched_at],
        )?;
        Ok(())
    }
}

//! JSON request bodies and the `Idempotency-Key` header.

use bytes::Bytes;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use warp::http::StatusCode;
use warp::{Filter, Rejection};

use crate::Problem;

/// A parsed JSON body with its raw bytes (for request fingerprints).
#[derive(Clone, Debug)]
pub struct Json<T> {
    /// The value.
    pub value: T,
    /// The bytes it was parsed from.
    pub raw: Bytes,
}

/// A JSON body of at most `limit` bytes, parsed into `T`. Errors are problems naming the field
/// path: 413 over the limit, 411 without a `Content-Length`, 415 for another content type, 400 for malformed JSON, unknown
/// fields (when `T` denies them) and values that do not parse (a BIN with a bad checksum...).
pub fn json_body<T: DeserializeOwned + Send>(
    limit: u64,
) -> impl Filter<Extract = (Json<T>,), Error = Rejection> + Clone {
    warp::header::optional::<String>("content-type")
        .and(warp::header::optional::<u64>("content-length"))
        .and_then(move |ct: Option<String>, len: Option<u64>| async move {
            let json = ct.as_deref().is_some_and(|ct| {
                let mime = ct
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                mime == "application/json" || mime.ends_with("+json")
            });
            if !json {
                return Err(warp::reject::custom(
                    Problem::new(
                        StatusCode::UNSUPPORTED_MEDIA_TYPE,
                        "media-type",
                        "Send application/json",
                    )
                    .field("Content-Type")
                    .detail(format!("got {:?}", ct.unwrap_or_default())),
                ));
            }
            match len {
                Some(n) if n > limit => Err(warp::reject::custom(too_large(limit))),
                _ => Ok(()),
            }
        })
        .untuple_one()
        .and(
            warp::body::content_length_limit(limit).or_else(move |rej: Rejection| async move {
                // warp's limit needs a Content-Length: a body without one (chunked) is a 411,
                // not a 413.
                let p = if rej.find::<warp::reject::LengthRequired>().is_some() {
                    Problem::new(
                        StatusCode::LENGTH_REQUIRED,
                        "length-required",
                        "Content-Length is required",
                    )
                    .field("Content-Length")
                    .detail(format!(
                        "send the body with its length (at most {limit} bytes)"
                    ))
                } else {
                    too_large(limit)
                };
                Err::<(), _>(warp::reject::custom(p))
            }),
        )
        .and(warp::body::bytes())
        .and_then(|raw: Bytes| async move {
            // A member named twice is refused at any depth: parsers disagree on which one
            // counts (this one keeps the last), so whatever read the body before us may have
            // read another document.
            // Each pass runs without tracking the path; only a body it refuses is read again
            // with `serde_path_to_error`, for the problem's field.
            let mut de = serde_json::Deserializer::from_slice(&raw);
            if Unique::deserialize(&mut de).is_err() {
                let mut de = serde_json::Deserializer::from_slice(&raw);
                serde_path_to_error::deserialize::<_, Unique>(&mut de)
                    .map_err(|e| warp::reject::custom(body_problem(&e)))?;
            }
            let mut de = serde_json::Deserializer::from_slice(&raw);
            let value = match T::deserialize(&mut de) {
                Ok(v) => v,
                Err(_) => {
                    let mut de = serde_json::Deserializer::from_slice(&raw);
                    let e = serde_path_to_error::deserialize::<_, T>(&mut de)
                        .err()
                        .ok_or_else(|| {
                            // Not seen: the same bytes, the same type.
                            warp::reject::custom(Problem::internal())
                        })?;
                    return Err(warp::reject::custom(body_problem(&e)));
                }
            };
            de.end().map_err(|e| {
                warp::reject::custom(
                    Problem::new(
                        StatusCode::BAD_REQUEST,
                        "invalid-body",
                        "The body is not valid JSON",
                    )
                    .field("body")
                    .detail(e.to_string()),
                )
            })?;
            Ok::<_, Rejection>(Json { value, raw })
        })
}

/// Any JSON value whose objects name each member once.
struct Unique;

impl<'de> serde::Deserialize<'de> for Unique {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UniqueVisitor)
    }
}

struct UniqueVisitor;

impl<'de> serde::de::Visitor<'de> for UniqueVisitor {
    type Value = Unique;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Unique, E> {
        Ok(Unique)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Unique, E> {
        Ok(Unique)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Unique, E> {
        Ok(Unique)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Unique, E> {
        Ok(Unique)
    }

    fn visit_str<E>(self, _: &str) -> Result<Unique, E> {
        Ok(Unique)
    }

    fn visit_unit<E>(self) -> Result<Unique, E> {
        Ok(Unique)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Unique, A::Error> {
        while seq.next_element::<Unique>()?.is_some() {}
        Ok(Unique)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Unique, A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if seen.contains(&key) {
                return Err(serde::de::Error::custom(format_args!(
                    "duplicate field `{key}`"
                )));
            }
            map.next_value::<Unique>()?;
            seen.insert(key);
        }
        Ok(Unique)
    }
}

fn too_large(limit: u64) -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too-large",
        "The body is too large",
    )
    .field("body")
    .detail(format!("the limit is {limit} bytes"))
}

fn body_problem(e: &serde_path_to_error::Error<serde_json::Error>) -> Problem {
    let inner = e.inner();
    let msg = inner.to_string();
    let title = match inner.classify() {
        serde_json::error::Category::Data => "A field has an invalid value",
        serde_json::error::Category::Eof => "The body ends too early",
        _ => "The body is not valid JSON",
    };
    // A body that is not JSON at all (or ends too early) has no field path: the body is at
    // fault as a whole.
    let field = match inner.classify() {
        serde_json::error::Category::Eof => None,
        _ => field_of(&e.path().to_string(), &msg),
    }
    .unwrap_or_else(|| "body".to_owned());
    Problem::new(StatusCode::BAD_REQUEST, "invalid-body", title)
        .detail(msg)
        .field(field)
}

/// The path of the field a serde error is about: its path, completed with the field an
/// `unknown field`, `missing field` or `duplicate field` message names (the path stops at the
/// object holding it). `None` for the whole value.
fn field_of(path: &str, msg: &str) -> Option<String> {
    let mut path = path.to_owned();
    if path == "." || path == "?" {
        path.clear();
    }
    let named = ["unknown field `", "missing field `", "duplicate field `"]
        .iter()
        .find_map(|p| msg.strip_prefix(p))
        .and_then(|rest| rest.split('`').next());
    if let Some(name) = named
        && path.rsplit('.').next() != Some(name)
    {
        path = if path.is_empty() {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        };
    }
    (!path.is_empty()).then_some(path)
}

/// The query string parsed into `T` (absent: an empty one). A parameter that does not parse,
/// an unknown one (when `T` denies them) and a missing one are a 400 naming the parameter.
pub fn query<T: DeserializeOwned + Send + 'static>()
-> impl Filter<Extract = (T,), Error = Rejection> + Clone {
    warp::query::raw()
        .or_else(|_| async { Ok::<_, Rejection>((String::new(),)) })
        .and_then(|raw: String| async move {
            let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(raw.as_bytes()));
            serde_path_to_error::deserialize::<_, T>(de).map_err(|e| {
                let msg = e.inner().to_string();
                let mut p = Problem::new(
                    StatusCode::BAD_REQUEST,
                    "invalid-query",
                    "A query parameter has an invalid value",
                )
                .detail(msg.clone());
                if let Some(f) = field_of(&e.path().to_string(), &msg) {
                    p = p.field(f);
                } else {
                    p = p.field("query");
                }
                warp::reject::custom(p)
            })
        })
}

/// The longest `Idempotency-Key`.
pub(crate) const MAX_IDEMPOTENCY_KEY: usize = 255;
/// An `Idempotency-Key` as [`idempotency_key`] takes it (ECMA 262, for the OpenAPI document):
/// visible ASCII, `!` to `~`.
pub(crate) const IDEMPOTENCY_KEY_PATTERN: &str = "^[!-~]+$";

/// The optional `Idempotency-Key` header: 1 to 255 visible ASCII characters.
pub fn idempotency_key() -> impl Filter<Extract = (Option<String>,), Error = Rejection> + Clone {
    warp::header::optional::<String>("idempotency-key").and_then(|k: Option<String>| async move {
        match k {
            Some(k)
                if k.is_empty()
                    || k.len() > MAX_IDEMPOTENCY_KEY
                    || !k.bytes().all(|b| b.is_ascii_graphic()) =>
            {
                Err(warp::reject::custom(
                    Problem::bad_request(
                        "Idempotency-Key must be 1 to 255 visible ASCII characters",
                    )
                    .field("Idempotency-Key"),
                ))
            }
            k => Ok(k),
        }
    })
}

/// A JSON POST that may carry an `Idempotency-Key`: the path, the key and the body.
pub struct Posted<T> {
    /// The full request path (part of the idempotency fingerprint).
    pub path: String,
    /// The `Idempotency-Key`, if sent.
    pub key: Option<String>,
    /// The parsed body and its bytes.
    pub body: Json<T>,
}

/// The parts of a JSON POST (see [`Posted`]); combine after the method and auth filters.
pub fn posted<T: DeserializeOwned + Send>(
    limit: u64,
) -> impl Filter<Extract = (Posted<T>,), Error = Rejection> + Clone {
    warp::path::full()
        .and(idempotency_key())
        .and(json_body::<T>(limit))
        .map(|path: warp::path::FullPath, key, body| Posted {
            path: path.as_str().to_owned(),
            key,
            body,
        })
}

impl<T> Posted<T> {
    /// Runs `run(value, key)` at most once per (`scope`, key) through [`crate::idempotent`].
    pub async fn once<F, Fut>(
        self,
        records: &egov_store::idempotency::IdempotencyRecords,
        scope: &str,
        run: F,
    ) -> crate::ApiResponse
    where
        F: FnOnce(T, Option<String>) -> Fut,
        Fut: std::future::Future<Output = Result<crate::ApiResponse, Problem>>,
    {
        let Posted {
            path,
            key,
            body: Json { value, raw },
        } = self;
        let k = key.clone();
        crate::idempotent(records, scope, key.as_deref(), "POST", &path, &raw, || {
            run(value, k)
        })
        .await
    }
}

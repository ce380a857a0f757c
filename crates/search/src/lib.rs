//! Full-text search over the registries (the Catalog of ICT services, the Register of trusted
//! software, the Perechen list, the informatization objects): one tantivy index held in memory,
//! a projection its owner rebuilds from the store and the streams, never a system of record.
//!
//! Every word of a document is indexed once, by its script: a Russian word by its stem
//! (`электронного нотариата` finds `Электронный нотариат`), a Latin one by its English stem
//! (`registering` finds `registers`), and a Kazakh one as the lower-cased token it is (no stemmer
//! exists for Kazakh in the kept crates; its agglutinative endings are left as they are, so a
//! Kazakh query matches the word forms it names). Every word of a query must match (conjunction). Filters are
//! exact terms; facets count the matches per registry, type, class and stage; highlights come
//! from the analyzer that matched; pages are cursors over the ranked list.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::sync::Mutex;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use sha2::{Digest, Sha256};
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, QueryParser, TermQuery};
use tantivy::schema::{
    Facet, FacetOptions, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, StopWordFilter, TextAnalyzer,
    TokenStream,
};
use tantivy::{IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// The largest page.
pub const MAX_LIMIT: usize = 100;
/// How deep cursors go: past this, narrow the query (as search engines bound result windows).
pub const MAX_OFFSET: usize = 10_000;
/// The longest query.
pub const MAX_QUERY: usize = 500;
/// The dimensions that are both filters and facets.
pub const FACETS: [&str; 4] = ["registry", "type", "class", "stage"];

/// One searchable thing: a registry entry or a Catalog entry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Doc {
    /// Unique in the index: a later document with the same id replaces it.
    pub id: String,
    pub registry: String,
    pub key: String,
    pub title: String,
    /// Every text of the document (names in three languages, descriptions...).
    pub text: String,
    /// The agency (BIN) it belongs to.
    pub agency: String,
    pub supplier: Option<String>,
    /// An ICT service's type (LC-25), a Register entry's inclusion ground...
    pub kind: Option<String>,
    /// An object's class (LC-13.b).
    pub class: Option<String>,
    /// An object's life-cycle stage (LC-3, LC-9).
    pub stage: Option<String>,
}

/// Exact-term filters; `None` does not filter.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Filters {
    pub registry: Option<String>,
    pub kind: Option<String>,
    pub class: Option<String>,
    pub stage: Option<String>,
    pub agency: Option<String>,
    pub supplier: Option<String>,
}

/// A search.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// The query: words (all must match), `"phrases"`, `-excluded`, `a OR b`; empty: everything.
    pub q: String,
    pub filters: Filters,
    pub limit: usize,
    /// The `next` of the previous page of the same search.
    pub cursor: Option<String>,
}

/// A match.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Hit {
    pub id: String,
    pub registry: String,
    pub key: String,
    pub title: String,
    pub agency: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplier: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// The best fragment, HTML-escaped, the matched words in `<b>`.
    pub highlight: String,
    pub score: f32,
}

/// A page of matches.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Page {
    pub items: Vec<Hit>,
    /// How many documents match.
    pub total: usize,
    /// Per dimension, how many matches have each value.
    pub facets: BTreeMap<String, BTreeMap<String, u64>>,
    /// The cursor of the next page, while more follow.
    pub next: Option<String>,
}

/// Why a search was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The query is not one (the field is `q`).
    #[error("the query is not valid: {0}")]
    Syntax(String),
    /// The functionality sought names no significant word to compare (three letters or more,
    /// not a stop word): the question of LC-14 sp.3 cannot be asked of it.
    #[error(
        "name the functionality in words (at least one of three letters or more, not a stop word)"
    )]
    NoWords,
    /// A parameter is out of its bounds (the field is named).
    #[error("{field}: {message}")]
    Bounds {
        field: &'static str,
        message: String,
    },
    /// The index failed.
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
}

const WORDS: &str = "egov_words";

/// Lower-cased words, each by its script ([`Words`]).
fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(48))
        .filter(LowerCaser)
        .filter(Words)
        .build()
}

/// The letters of the Kazakh alphabet that Russian has not: a word with one is Kazakh.
const KAZAKH: [char; 9] = ['ә', 'ғ', 'қ', 'ң', 'ө', 'ұ', 'ү', 'һ', 'і'];

/// Russian `ё` is written `е` as often as not: index and query both as `е`. A Latin word gets its English stem, a Kazakh word (one with a letter of [`KAZAKH`]) stays the
/// token it is, and any other word gets its Russian stem, taken twice: Russian Snowball is not
/// idempotent ("архив" stems to "арх" but "архива" to "архив", "системой" to "сист" but
/// "системы" to "систем"), and twice brings a word's forms to one stem far more often, at the
/// price of a little over-stemming (recall first: a registry search that misses an inflected
/// form is the worse failure). One pass per word, by its script, instead of every analyzer over
/// every word: indexing is what a replica catching up waits for.
#[derive(Clone, Copy)]
struct Words;

impl tantivy::tokenizer::TokenFilter for Words {
    type Tokenizer<T: tantivy::tokenizer::Tokenizer> = WordsFilter<T>;
    fn transform<T: tantivy::tokenizer::Tokenizer>(self, tokenizer: T) -> WordsFilter<T> {
        WordsFilter { inner: tokenizer }
    }
}

#[derive(Clone)]
struct WordsFilter<T> {
    inner: T,
}

impl<T: tantivy::tokenizer::Tokenizer> tantivy::tokenizer::Tokenizer for WordsFilter<T> {
    type TokenStream<'a> = WordsStream<T::TokenStream<'a>>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        WordsStream {
            inner: self.inner.token_stream(text),
            ru: frostem::Stemmer::new(frostem::Algorithm::Russian),
            en: frostem::Stemmer::new(frostem::Algorithm::English),
        }
    }
}

struct WordsStream<S> {
    inner: S,
    ru: frostem::Stemmer,
    en: frostem::Stemmer,
}

impl<S: TokenStream> TokenStream for WordsStream<S> {
    fn advance(&mut self) -> bool {
        if !self.inner.advance() {
            return false;
        }
        let t = self.inner.token_mut();
        if t.text.contains('ё') {
            t.text = t.text.replace('ё', "е");
        }
        if t.text.is_ascii() {
            if let Cow::Owned(s) = self.en.stem(&t.text) {
                t.text = s;
            }
        } else if !t.text.contains(KAZAKH) {
            let once = self.ru.stem(&t.text);
            if let Cow::Owned(s) = self.ru.stem(&once) {
                t.text = s;
            } else if let Cow::Owned(s) = once {
                t.text = s;
            }
        }
        true
    }
    fn token(&self) -> &tantivy::tokenizer::Token {
        self.inner.token()
    }
    fn token_mut(&mut self) -> &mut tantivy::tokenizer::Token {
        self.inner.token_mut()
    }
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    registry: Field,
    key: Field,
    title: Field,
    text: Field,
    words: Field,
    agency: Field,
    supplier: Field,
    kind: Field,
    class: Field,
    stage: Field,
    facet: Field,
}

/// The index: writes are buffered until [`SearchIndex::commit`], which makes them visible.
pub struct SearchIndex {
    index: tantivy::Index,
    /// The writer, and the ids it holds: a delete is queued only for an id indexed before (a
    /// queued delete is checked against every segment at the commit; most writes are new ids).
    writer: Mutex<(IndexWriter, HashSet<String>)>,
    reader: IndexReader,
    f: Fields,
}

impl SearchIndex {
    /// An empty index in memory.
    pub fn in_memory() -> Result<Self, SearchError> {
        let mut s = Schema::builder();
        let text = |name| {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(name)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            )
        };
        let f = Fields {
            id: s.add_text_field("id", STRING | STORED),
            registry: s.add_text_field("registry", STRING | STORED),
            key: s.add_text_field("key", STORED),
            title: s.add_text_field("title", STORED),
            text: s.add_text_field("text", STORED),
            words: s.add_text_field("words", text(WORDS)),
            agency: s.add_text_field("agency", STRING | STORED),
            supplier: s.add_text_field("supplier", STRING | STORED),
            kind: s.add_text_field("type", STRING | STORED),
            class: s.add_text_field("class", STRING | STORED),
            stage: s.add_text_field("stage", STRING | STORED),
            facet: s.add_facet_field("facet", FacetOptions::default()),
        };
        let index = tantivy::Index::create_in_ram(s.build());
        let t = index.tokenizers();
        t.register(WORDS, analyzer());
        // Two indexing threads (a replica catching up from the streams is indexing-bound), with
        // room for large segments (fewer merges).
        let writer = index.writer_with_num_threads(2, 128 << 20)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Self {
            index,
            writer: Mutex::new((writer, HashSet::new())),
            reader,
            f,
        })
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, (IndexWriter, HashSet<String>)> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds `doc`, replacing the document with its id (visible after the next commit).
    pub fn upsert(&self, doc: &Doc) -> Result<(), SearchError> {
        let f = self.f;
        let mut d = TantivyDocument::default();
        d.add_text(f.id, &doc.id);
        d.add_text(f.registry, &doc.registry);
        d.add_text(f.key, &doc.key);
        d.add_text(f.title, &doc.title);
        d.add_text(f.text, &doc.text);
        // The producers put the title in the text; index it once.
        if !doc.text.contains(&doc.title) {
            d.add_text(f.words, &doc.title);
        }
        d.add_text(f.words, &doc.text);
        d.add_text(f.agency, &doc.agency);
        d.add_facet(
            f.facet,
            Facet::from_path(["registry", doc.registry.as_str()]),
        );
        for (field, dim, v) in [
            (f.supplier, "", &doc.supplier),
            (f.kind, "type", &doc.kind),
            (f.class, "class", &doc.class),
            (f.stage, "stage", &doc.stage),
        ] {
            if let Some(v) = v {
                d.add_text(field, v);
                if !dim.is_empty() {
                    d.add_facet(f.facet, Facet::from_path([dim, v.as_str()]));
                }
            }
        }
        let mut w = self.writer();
        if !w.1.insert(doc.id.clone()) {
            w.0.delete_term(Term::from_field_text(f.id, &doc.id));
        }
        w.0.add_document(d)?;
        Ok(())
    }

    /// Removes the document `id` (after the next commit).
    pub fn remove(&self, id: &str) {
        let mut w = self.writer();
        if w.1.remove(id) {
            w.0.delete_term(Term::from_field_text(self.f.id, id));
        }
    }

    /// Makes every write so far visible to searches.
    pub fn commit(&self) -> Result<(), SearchError> {
        self.writer().0.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// How many documents searches see.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Whether searches see no document.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn parser(&self) -> QueryParser {
        let mut p = QueryParser::for_index(&self.index, vec![self.f.words]);
        p.set_conjunction_by_default();
        p
    }

    fn filtered(&self, text: Box<dyn Query>, filters: &Filters) -> BooleanQuery {
        let f = self.f;
        let mut clauses = vec![(Occur::Must, text)];
        for (field, v) in [
            (f.registry, &filters.registry),
            (f.kind, &filters.kind),
            (f.class, &filters.class),
            (f.stage, &filters.stage),
            (f.agency, &filters.agency),
            (f.supplier, &filters.supplier),
        ] {
            if let Some(v) = v {
                clauses.push((
                    Occur::Must,
                    Box::new(TermQuery::new(
                        Term::from_field_text(field, v),
                        IndexRecordOption::Basic,
                    )),
                ));
            }
        }
        BooleanQuery::new(clauses)
    }

    /// One page of a search, best first.
    pub fn search(&self, r: &Request) -> Result<Page, SearchError> {
        if !(1..=MAX_LIMIT).contains(&r.limit) {
            return Err(SearchError::Bounds {
                field: "limit",
                message: format!("limit is 1 to {MAX_LIMIT}"),
            });
        }
        if r.q.chars().count() > MAX_QUERY {
            return Err(SearchError::Bounds {
                field: "q",
                message: format!("a query is at most {MAX_QUERY} characters"),
            });
        }
        let fingerprint = fingerprint(r);
        let offset = match &r.cursor {
            None => 0,
            Some(c) => decode_cursor(c, &fingerprint).ok_or(SearchError::Bounds {
                field: "cursor",
                message: "not a cursor of this search (cursors belong to one query and filters)"
                    .into(),
            })?,
        };
        let text: Box<dyn Query> = if r.q.trim().is_empty() {
            Box::new(AllQuery)
        } else {
            // Read leniently: what the syntax cannot read (an unbalanced parenthesis, an
            // unknown field) matches nothing rather than refusing a query typed into a box,
            // whose grammar no schema can state.
            self.parser().parse_query_lenient(&r.q).0
        };
        let query = self.filtered(text, &r.filters);
        let searcher = self.reader.searcher();
        let mut facets = FacetCollector::for_field("facet");
        for dim in FACETS {
            facets.add_facet(Facet::from_path([dim]));
        }
        let (top, total, counts) = searcher.search(
            &query,
            &(
                TopDocs::with_limit(r.limit + 1)
                    .and_offset(offset)
                    .order_by_score(),
                Count,
                facets,
            ),
        )?;
        let more = top.len() > r.limit;
        let mut snippets = SnippetGenerator::create(&searcher, &query, self.f.words)?;
        snippets.set_max_num_chars(200);
        let mut items = Vec::with_capacity(r.limit);
        for (score, addr) in top.into_iter().take(r.limit) {
            let d: TantivyDocument = searcher.doc(addr)?;
            let text = self.get(&d, self.f.text).unwrap_or_default();
            let snippet = snippets.snippet(&text);
            let highlight = if snippet.highlighted().is_empty() {
                escape(&prefix(&text, 200))
            } else {
                snippet.to_html()
            };
            items.push(Hit {
                id: self.get(&d, self.f.id).unwrap_or_default(),
                registry: self.get(&d, self.f.registry).unwrap_or_default(),
                key: self.get(&d, self.f.key).unwrap_or_default(),
                title: self.get(&d, self.f.title).unwrap_or_default(),
                agency: self.get(&d, self.f.agency).unwrap_or_default(),
                supplier: self.get(&d, self.f.supplier),
                kind: self.get(&d, self.f.kind),
                class: self.get(&d, self.f.class),
                stage: self.get(&d, self.f.stage),
                highlight,
                score,
            });
        }
        let facets = FACETS
            .iter()
            .map(|dim| {
                let values = counts
                    .get(Facet::from_path([*dim]))
                    .filter_map(|(facet, n)| {
                        let path = facet.to_path();
                        path.last().map(|v| (v.to_string(), n))
                    })
                    .collect();
                (dim.to_string(), values)
            })
            .collect();
        let next_offset = offset + r.limit;
        Ok(Page {
            items,
            total,
            facets,
            next: (more && next_offset <= MAX_OFFSET)
                .then(|| encode_cursor(next_offset, &fingerprint)),
        })
    }

    /// The documents of `registry` whose text holds at least half of the significant words of
    /// `description` (each word stemmed as Russian or English), best first: the reading of
    /// "similar functionality" (LC-14 sp.3, LC-23.b, LC-26, LC-28) that a person then judges.
    pub fn similar(
        &self,
        registry: &str,
        description: &str,
        limit: usize,
    ) -> Result<Vec<Hit>, SearchError> {
        if description.chars().count() > 4 * MAX_QUERY {
            return Err(SearchError::Bounds {
                field: "functionality",
                message: format!("at most {} characters", 4 * MAX_QUERY),
            });
        }
        let words = significant_words(description);
        if words.is_empty() {
            return Err(SearchError::NoWords);
        }
        let f = self.f;
        let mut clauses: Vec<Box<dyn Query>> = Vec::new();
        let mut a = analyzer();
        for w in &words {
            let mut s = a.token_stream(w);
            while s.advance() {
                clauses.push(Box::new(TermQuery::new(
                    Term::from_field_text(f.words, &s.token().text),
                    IndexRecordOption::WithFreqs,
                )));
            }
        }
        let need = words.len().div_ceil(2);
        let text = BooleanQuery::with_minimum_required_clauses(
            clauses.into_iter().map(|q| (Occur::Should, q)).collect(),
            need,
        );
        let filters = Filters {
            registry: Some(registry.to_owned()),
            ..Filters::default()
        };
        let query = self.filtered(Box::new(text), &filters);
        let searcher = self.reader.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(limit).order_by_score())?;
        let mut g = SnippetGenerator::create(&searcher, &query, f.words)?;
        g.set_max_num_chars(200);
        let mut out = Vec::new();
        for (score, addr) in top {
            let d: TantivyDocument = searcher.doc(addr)?;
            let text = self.get(&d, f.text).unwrap_or_default();
            out.push(Hit {
                id: self.get(&d, f.id).unwrap_or_default(),
                registry: self.get(&d, f.registry).unwrap_or_default(),
                key: self.get(&d, f.key).unwrap_or_default(),
                title: self.get(&d, f.title).unwrap_or_default(),
                agency: self.get(&d, f.agency).unwrap_or_default(),
                supplier: self.get(&d, f.supplier),
                kind: self.get(&d, f.kind),
                class: self.get(&d, f.class),
                stage: self.get(&d, f.stage),
                highlight: g.snippet(&text).to_html(),
                score,
            });
        }
        Ok(out)
    }

    fn get(&self, d: &TantivyDocument, field: Field) -> Option<String> {
        d.get_first(field)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    }
}

/// The words of a description that carry meaning: three letters or more, not a Russian or
/// English stop word, each once.
fn significant_words(text: &str) -> Vec<String> {
    let mut a = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(LowerCaser)
        .filter(StopWordFilter::new(Language::Russian).expect("Russian stop words"))
        .filter(StopWordFilter::new(Language::English).expect("English stop words"))
        .build();
    let mut s = a.token_stream(text);
    let mut out: Vec<String> = Vec::new();
    while s.advance() {
        let w = &s.token().text;
        if w.chars().count() >= 3 && w.chars().any(char::is_alphabetic) && !out.contains(w) {
            out.push(w.clone());
        }
        if out.len() == 32 {
            break;
        }
    }
    out
}

fn fingerprint(r: &Request) -> String {
    let f = &r.filters;
    let digest = Sha256::digest(
        serde_json::json!([
            r.q, f.registry, f.kind, f.class, f.stage, f.agency, f.supplier, r.limit
        ])
        .to_string(),
    );
    hex::encode(&digest[..6])
}

fn encode_cursor(offset: usize, fingerprint: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{offset}.{fingerprint}"))
}

fn decode_cursor(c: &str, fingerprint: &str) -> Option<usize> {
    if c.len() > 64 {
        return None;
    }
    let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(c).ok()?).ok()?;
    let (offset, fp) = raw.split_once('.')?;
    let offset: usize = offset.parse().ok()?;
    (fp == fingerprint && offset <= MAX_OFFSET).then_some(offset)
}

fn prefix(s: &str, chars: usize) -> String {
    s.chars().take(chars).collect()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests;

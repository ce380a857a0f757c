//! `egov-bench search`: the catalog's search index at scale (issue goal: p99 < 20 ms at 100,000
//! entries, catch-up from the streams >= 20,000 entries/s).
//!
//! Entries are `EntryRecorded` events on a catalog topic in a real Redis, with Russian, Kazakh
//! and English texts. Catch-up is the catalog's own code (`egov_catalog::search::follow`) from
//! the start of the topic into an empty index, against the baseline of reading and decoding the
//! same entries with `XRANGE` in the same run. Queries are a mix of inflected Russian words,
//! Kazakh tokens, English words, filters and facets, timed one by one.

use std::sync::Arc;
use std::time::{Duration, Instant};

use egov_bus::{Bus, BusMetrics, Envelope, Topic};
use egov_events::v1::EntryRecorded;
use egov_search::{Filters, Request, SearchIndex};
use tokio_util::sync::CancellationToken;

#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Entries in the index.
    #[arg(long, default_value_t = 100_000)]
    entries: usize,
    /// Queries timed.
    #[arg(long, default_value_t = 2_000)]
    queries: usize,
}

const RU_ADJ: [&str; 8] = [
    "Электронный",
    "Государственный",
    "Единый",
    "Национальный",
    "Информационный",
    "Автоматизированный",
    "Цифровой",
    "Облачный",
];
const RU_NOUN: [&str; 8] = [
    "нотариат",
    "реестр",
    "кадастр",
    "документооборот",
    "портал",
    "архив",
    "мониторинг",
    "учёт",
];
const RU_WORDS: [&str; 16] = [
    "регистрация",
    "заявлений",
    "граждан",
    "юридических",
    "лиц",
    "согласование",
    "документов",
    "подписание",
    "платежей",
    "налоговой",
    "отчётности",
    "земельных",
    "участков",
    "лицензий",
    "обращений",
    "услуг",
];
const KK: [&str; 8] = [
    "ақпараттық",
    "жүйесі",
    "электрондық",
    "мемлекеттік",
    "тізілім",
    "қызмет",
    "құжат",
    "мұрағат",
];
const EN: [&str; 8] = [
    "registry",
    "services",
    "notary",
    "documents",
    "payments",
    "licensing",
    "archive",
    "platform",
];
const REGISTRIES: [&str; 4] = [
    "informatization-objects",
    "trusted-software",
    "perechen",
    "design-assignments",
];
const STAGES: [&str; 5] = [
    "creation",
    "trial-operation",
    "commercial-operation",
    "development",
    "support",
];
const SUPPLIERS: [&str; 2] = ["940740000911", "990140000384"];

fn pick<'a>(a: &'a [&'a str], x: u64) -> &'a str {
    a[(x % a.len() as u64) as usize]
}

/// A deterministic entry `i`.
fn entry(i: usize) -> EntryRecorded {
    let mut x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5555;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let words: Vec<&str> = (0..10).map(|_| pick(&RU_WORDS, next())).collect();
    let body = serde_json::json!({
        "name_ru": format!("{} {} № {i}", pick(&RU_ADJ, next()), pick(&RU_NOUN, next())),
        "name_kk": format!("{} {} {}", pick(&KK, next()), pick(&KK, next()), pick(&KK, next())),
        "name_en": format!("{} {}", pick(&EN, next()), pick(&EN, next())),
        "description": words.join(" "),
        "stage": pick(&STAGES, next()),
        "class": 1 + next() % 3,
        "supplier": pick(&SUPPLIERS, next()),
    });
    EntryRecorded {
        registry: pick(&REGISTRIES, i as u64).into(),
        key: format!("bench/{i}"),
        body_json: body.to_string(),
        listed: true,
        case_id: format!("01KBENCH{i:018}"),
        variant_id: "bench".into(),
        org: "940740000911".into(),
        written_at: "2026-11-30T10:00:00+05:00".into(),
    }
}

fn queries() -> Vec<Request> {
    let q = |q: &str, filters: Filters| Request {
        q: q.into(),
        filters,
        limit: 20,
        cursor: None,
    };
    let reg = |r: &str| Filters {
        registry: Some(r.into()),
        ..Filters::default()
    };
    vec![
        q("электронного нотариата", Filters::default()),
        q("государственного реестра", reg("trusted-software")),
        q("регистрации заявлений граждан", Filters::default()),
        q("ақпараттық жүйесі", Filters::default()),
        q("notary documents", Filters::default()),
        q(
            "учета земельных участков",
            Filters {
                stage: Some("commercial-operation".into()),
                ..Filters::default()
            },
        ),
        q("\"цифровой архив\"", Filters::default()),
        q(
            "платежей -налоговой",
            Filters {
                class: Some("1".into()),
                supplier: Some(SUPPLIERS[1].into()),
                ..Filters::default()
            },
        ),
        q("", reg("perechen")),
        q("портал OR мониторинг", Filters::default()),
    ]
}

pub(crate) async fn run(args: Args) -> anyhow::Result<()> {
    let server = egov_testkit::RedisServer::start_with(&["--appendfsync", "everysec"]);
    let client = redis::Client::open(server.url())?;
    let bus = Bus::new(client, BusMetrics::unregistered()).await?;
    let topic = Topic::new("catalog", 4);
    let n = args.entries;

    eprintln!("writing {n} entries to the topic...");
    let now = jiff::Timestamp::now();
    let mut conn = bus.connection();
    for chunk in (0..n).collect::<Vec<_>>().chunks(1000) {
        let mut pipe = redis::pipe();
        for &i in chunk {
            let env = Envelope::new("catalog", &entry(i), now);
            pipe.xadd(topic.stream((i % 4) as u16), "*", &env.fields())
                .ignore();
        }
        let () = pipe.query_async(&mut conn).await?;
    }

    // Baseline: read and decode every entry with XRANGE, pages of 2000 (what any reader pays).
    let started = Instant::now();
    let mut read = 0usize;
    for (_, stream) in topic.streams() {
        let mut from = "-".to_owned();
        loop {
            let r: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
                .arg(&stream)
                .arg(&from)
                .arg("+")
                .arg("COUNT")
                .arg(2000)
                .query_async(&mut conn)
                .await?;
            let Some(last) = r.ids.last() else { break };
            from = format!("({}", last.id);
            for e in &r.ids {
                let env = Envelope::from_fields(&e.map)?;
                let _: EntryRecorded = env.decode()?;
                read += 1;
            }
        }
    }
    let baseline = read as f64 / started.elapsed().as_secs_f64();

    // The index alone: the same documents built and committed in memory, no Redis.
    let docs: Vec<egov_search::Doc> = (0..n)
        .filter_map(|i| {
            let e = entry(i);
            let body = serde_json::from_str(&e.body_json).ok()?;
            egov_catalog::search::entry_doc(&e.registry, &e.key, &body, &e.org, true)
        })
        .collect();
    let alone = SearchIndex::in_memory()?;
    let started = Instant::now();
    for d in &docs {
        alone.upsert(d)?;
    }
    alone.commit()?;
    let index_alone = n as f64 / started.elapsed().as_secs_f64();
    drop(alone);

    // Catch-up: the catalog's follower, from the start, into an empty index, on a runtime
    // like the service's (`egov up` and `egov serve` run a multi-threaded one): the partitions'
    // readers parse replies while the follower indexes.
    let index = Arc::new(SearchIndex::in_memory()?);
    let shutdown = CancellationToken::new();
    let started = Instant::now();
    let follower = {
        let (url, topic, index, shutdown) =
            (server.url(), topic.clone(), index.clone(), shutdown.clone());
        std::thread::spawn(move || -> anyhow::Result<()> {
            tokio::runtime::Runtime::new()?.block_on(async move {
                let bus = Bus::new(redis::Client::open(url)?, BusMetrics::unregistered()).await?;
                egov_catalog::search::follow(&bus, &topic, vec!["0-0".into(); 4], index, shutdown)
                    .await?;
                Ok(())
            })
        })
    };
    while index.len() < n as u64 {
        tokio::time::sleep(Duration::from_millis(5)).await;
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(600),
            "catch-up did not finish in 10 minutes ({} of {n})",
            index.len()
        );
    }
    let catch_up = started.elapsed();
    shutdown.cancel();
    let _ = follower.join();

    // Queries, one at a time, the mix cycled.
    let mix = queries();
    for r in &mix {
        index.search(r)?; // warm
    }
    let mut times = Vec::with_capacity(args.queries);
    let mut hits = 0;
    for i in 0..args.queries {
        let t = Instant::now();
        let page = index.search(&mix[i % mix.len()])?;
        times.push(t.elapsed());
        hits += page.total;
    }
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    let rate = n as f64 / catch_up.as_secs_f64();

    println!(
        "## egov bench: search, {n} entries, {} queries",
        args.queries
    );
    println!();
    println!("| measurement | value | goal | vs baseline |");
    println!("|---|---:|---:|---:|");
    println!("| baseline: XRANGE + decode | {baseline:.0} entries/s | | 1.00 |");
    println!(
        "| the index alone (documents built and committed, no Redis) | {index_alone:.0} entries/s | | {:.2} |",
        index_alone / baseline
    );
    println!(
        "| catch-up from the streams into an empty index | {rate:.0} entries/s ({:.2} s) | ≥ 20000/s | {:.2} |",
        catch_up.as_secs_f64(),
        rate / baseline
    );
    println!("| query p50 | {:.2} ms | | |", at(0.5).as_secs_f64() * 1e3);
    println!(
        "| query p99 | {:.2} ms | < 20 ms | |",
        at(0.99).as_secs_f64() * 1e3
    );
    println!(
        "| query max | {:.2} ms | | |",
        times.last().map_or(0.0, |t| t.as_secs_f64() * 1e3)
    );
    println!();
    println!("(mean matches per query: {})", hits / args.queries.max(1));
    Ok(())
}

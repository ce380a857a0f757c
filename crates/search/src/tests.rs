use super::*;

fn doc(id: &str, registry: &str, title: &str, text: &str) -> Doc {
    Doc {
        id: id.into(),
        registry: registry.into(),
        key: title.into(),
        title: title.into(),
        text: text.into(),
        agency: "940740000911".into(),
        ..Doc::default()
    }
}

fn index() -> SearchIndex {
    let i = SearchIndex::in_memory().unwrap();
    let mut notary = doc(
        "o1",
        "informatization-objects",
        "Информационная система «Электронный нотариат»",
        "Электронный нотариат. «Электрондық нотариат» ақпараттық жүйесі. E-notary information system: registers notarial acts.",
    );
    notary.class = Some("1".into());
    notary.stage = Some("commercial-operation".into());
    i.upsert(&notary).unwrap();
    let mut docflow = doc(
        "t1",
        "trusted-software",
        "Система электронного документооборота 3.2",
        "Система электронного документооборота: регистрация входящих документов, согласование и подписание ЭЦП",
    );
    docflow.kind = Some("potential-supplier".into());
    docflow.supplier = Some("990140000384".into());
    i.upsert(&docflow).unwrap();
    let mut cloud = doc(
        "s1",
        "ict-services",
        "Облачная платформа для госорганов",
        "Предоставление технологической платформы. Cloud platform for state bodies.",
    );
    cloud.kind = Some("technological-platform".into());
    i.upsert(&cloud).unwrap();
    i.commit().unwrap();
    i
}

fn search(i: &SearchIndex, q: &str) -> Page {
    i.search(&Request {
        q: q.into(),
        limit: 10,
        ..Request::default()
    })
    .unwrap()
}

fn ids(p: &Page) -> Vec<&str> {
    p.items.iter().map(|h| h.id.as_str()).collect()
}

#[test]
fn a_russian_query_finds_the_entry_whatever_the_case_endings() {
    let i = index();
    // "of the electronic notary office" (genitive) finds "Электронный нотариат" (nominative).
    let p = search(&i, "электронного нотариата");
    assert_eq!(ids(&p), ["o1"]);
    assert!(
        p.items[0].highlight.contains("<b>"),
        "{}",
        p.items[0].highlight
    );
    assert_eq!(ids(&search(&i, "документооборотом")), ["t1"]);
    // Snowball stems "архив" to "арх" but "архива" to "архив": stemmed twice, both are "арх".
    let archive = doc("a1", "perechen", "Единый нотариальный архив", "");
    i.upsert(&archive).unwrap();
    i.commit().unwrap();
    assert_eq!(ids(&search(&i, "нотариального архива")), ["a1"]);
    assert_eq!(ids(&search(&i, "архивов")), ["a1"]);
}

#[test]
fn kazakh_words_are_tokens_and_english_is_stemmed() {
    let i = index();
    assert_eq!(ids(&search(&i, "Электрондық")), ["o1"]);
    assert_eq!(ids(&search(&i, "registering notarial")), ["o1"]);
    assert_eq!(ids(&search(&i, "platforms")), ["s1"]);
}

#[test]
fn filters_narrow_and_facets_count_the_matches() {
    let i = index();
    let all = search(&i, "");
    assert_eq!(all.total, 3);
    assert_eq!(all.facets["registry"]["trusted-software"], 1);
    assert_eq!(all.facets["stage"]["commercial-operation"], 1);
    assert_eq!(all.facets["class"]["1"], 1);
    let p = i
        .search(&Request {
            q: "".into(),
            limit: 10,
            filters: Filters {
                supplier: Some("990140000384".into()),
                ..Filters::default()
            },
            cursor: None,
        })
        .unwrap();
    assert_eq!(ids(&p), ["t1"]);
}

#[test]
fn cursors_page_through_and_belong_to_their_search() {
    let i = SearchIndex::in_memory().unwrap();
    for n in 0..25 {
        i.upsert(&doc(
            &format!("d{n:02}"),
            "perechen",
            "Объект",
            "объект учёта",
        ))
        .unwrap();
    }
    i.commit().unwrap();
    let mut seen = Vec::new();
    let mut r = Request {
        q: "объекты".into(),
        limit: 10,
        ..Request::default()
    };
    loop {
        let p = i.search(&r).unwrap();
        seen.extend(p.items.iter().map(|h| h.id.clone()));
        match p.next {
            Some(c) => r.cursor = Some(c),
            None => break,
        }
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 25);
    // ё is е: "учета" finds "учёта".
    let yo = i
        .search(&Request {
            q: "учета".into(),
            limit: 1,
            ..Request::default()
        })
        .unwrap();
    assert_eq!(yo.total, 25);
    let first = i
        .search(&Request {
            cursor: None,
            ..r.clone()
        })
        .unwrap();
    let other = Request {
        q: "другой".into(),
        cursor: first.next,
        ..r
    };
    assert!(matches!(
        i.search(&other),
        Err(SearchError::Bounds {
            field: "cursor",
            ..
        })
    ));
}

#[test]
fn a_replaced_document_is_found_once_and_a_removed_one_not_at_all() {
    let i = index();
    let mut again = doc(
        "o1",
        "informatization-objects",
        "Нотариат",
        "Новое описание",
    );
    again.stage = Some("development".into());
    i.upsert(&again).unwrap();
    i.commit().unwrap();
    assert_eq!(i.len(), 3);
    assert!(search(&i, "Электрондық").items.is_empty());
    assert_eq!(ids(&search(&i, "описания")), ["o1"]);
    i.remove("o1");
    i.commit().unwrap();
    assert!(search(&i, "описания").items.is_empty());
}

#[test]
fn bad_queries_and_limits_are_refused_with_their_field() {
    let i = index();
    let bad = |q: &str, limit: usize| {
        i.search(&Request {
            q: q.into(),
            limit,
            ..Request::default()
        })
    };
    // What the syntax cannot read is read leniently: an unknown field matches nothing.
    assert!(bad("title:(нотариат", 10).is_ok());
    assert!(bad("unknown_field:x", 10).unwrap().items.is_empty());
    assert!(matches!(
        bad("нотариат", 100_000),
        Err(SearchError::Bounds { field: "limit", .. })
    ));
    assert!(matches!(
        bad("нотариат", 0),
        Err(SearchError::Bounds { field: "limit", .. })
    ));
    assert!(matches!(
        bad(&"а".repeat(600), 10),
        Err(SearchError::Bounds { field: "q", .. })
    ));
}

#[test]
fn lc_14_similar_functionality_is_half_the_significant_words_in_the_register() {
    let i = index();
    let hits = i
        .similar(
            "trusted-software",
            "Электронный документооборот с подписанием документов ЭЦП",
            5,
        )
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].id, "t1");
    // The notary object is not in the Register, and a description sharing one word of five is
    // not similar.
    assert!(
        i.similar(
            "trusted-software",
            "Учёт земельных участков и кадастровых документов",
            5
        )
        .unwrap()
        .is_empty()
    );
    assert!(matches!(
        i.similar("trusted-software", "и в на", 5),
        Err(SearchError::NoWords)
    ));
}

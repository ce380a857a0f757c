//! The application: object kinds and their documents (PL-3.a, PL-3.b), the fields of the form of
//! Appendix 1 (PL-F1), the portal declaration (PL-3.c), the selection criteria of Appendix 2
//! (PL-F3), and the portal items the SI confirms (PL-5.b).
//!
//! Texts of the order are quoted in Russian as published (the published text prevails over any
//! summary or translation), followed by " — " and an English gloss. The WIT `criterion` has
//! one `text` field and a `group` field, so:
//! - a criterion's `text` is `"<Russian text of Appendix 2> — <English gloss>"`;
//! - its `group` is `"<n>. <Russian group title> — <English gloss>"` (n = 1, 2, 3: the first
//!   component of the criterion's id, which is what PL-6.a counts by).

use egov_plugin_sdk::*;
use serde_json::Value;

use crate::{HSC, IS};

/// A criterion of Appendix 2: id, Russian text (order 353/НҚ), English gloss, the object kinds it
/// applies to (empty: both).
pub struct CriterionText {
    pub id: &'static str,
    pub ru: &'static str,
    pub en: &'static str,
    /// The criterion's `text` in the form: `"<ru> — <en>"`.
    pub text: &'static str,
    pub applies_to: &'static [&'static str],
}

/// The table of Appendix 2 with each criterion's form text joined at compile time: the form
/// is built on every call of the variant, each on a fresh instance.
macro_rules! criteria {
    ($(CriterionText { id: $id:literal, ru: $ru:literal, en: $en:literal, applies_to: $to:expr $(,)? }),* $(,)?) => {
        [$(CriterionText { id: $id, ru: $ru, en: $en, text: concat!($ru, " — ", $en), applies_to: $to }),*]
    };
}

/// The groups of Appendix 2 and each group's title as a criterion's `group` reads,
/// `"<n>. <ru> — <en>"`, joined at compile time.
macro_rules! groups {
    ($(#[$doc:meta])* $name:ident, $titles:ident: [$(($n:literal, $ru:literal, $en:literal $(,)?)),* $(,)?]) => {
        $(#[$doc])*
        pub const $name: [(&str, &str, &str); 3] = [$(($n, $ru, $en)),*];
        /// `(n, "<n>. <ru> — <en>")` of each group of [`GROUPS`].
        const $titles: [(&str, &str); 3] = [$(($n, concat!($n, ". ", $ru, " — ", $en))),*];
    };
}

groups! {
/// The groups of Appendix 2 (the "№" column): number, Russian title (order 353/НҚ), English
/// gloss. The order's own wording is kept, including its "аппаратно-программный комплекс
/// (далее – АПК)" in the nominative.
GROUPS, GROUP_TITLES: [
    (
        "1",
        "Масштабы информационной системы и (или) аппаратно-программный комплекс (далее – АПК)",
        "Scale of the information system (IS) and/or hardware-software complex (HSC)",
    ),
    (
        "2",
        "Категория информационной системы и (или) АПК",
        "Category of the IS and/or HSC",
    ),
    (
        "3",
        "Количество пользователей информационной системы и (или) АПК",
        "Number of users of the IS and/or HSC",
    ),
]}

/// Appendix 2, word for word (line breaks of the extraction joined). Each scores 1 (met) or 0.
///
/// - 1.4 (AMB-PL-6): the published text reads "всех подведомственных организаций и 20
///   территориальных подразделений одного ЦГО", with its "0" and "1" printed on either side of
///   a page break. Read as the parallel criterion 1.2 reads: the "20" is an extraction artefact
///   (no other criterion of the table has a count there, and 1.2, which lists the same units,
///   has none), and the criterion scores 1 / 0 like every other. Flagged for legal
///   confirmation: were "20 territorial units" a real threshold, the text below would change
///   and so would this variant's version.
/// - 1.3 and 1.4 speak of "данной информационной системой" but open with no restriction to one
///   kind; unlike 3.1 (an IS only) and 3.4 (an HSC only) they are kept for both kinds
///   (AMB-PL-7 names only 3.1 and 3.4 as one-kind criteria).
/// - "более 1000" (3.1) is written as in the published text, without a thousands separator;
///   "100 000" and "50 %" are split over two lines in that text and joined here ("50%").
pub const CRITERIA: [CriterionText; 13] = criteria![
    CriterionText {
        id: "1.1",
        ru: "Зарегистрированными пользователями информационной системы и (или) АПК являются сотрудники более 1 центрального государственного органа (далее - ЦГО).",
        en: "the registered users of the IS and/or HSC are employees of more than 1 central state body (ЦГО)",
        applies_to: &[],
    },
    CriterionText {
        id: "1.2",
        ru: "Зарегистрированными пользователями информационной системы и (или) АПК являются сотрудники всех подведомственных организаций и территориальных подразделений одного ЦГО (в случае наличия).",
        en: "the registered users of the IS and/or HSC are employees of all subordinate organizations and territorial units of one ЦГО (where it has any)",
        applies_to: &[],
    },
    CriterionText {
        id: "1.3",
        ru: "Информационная система более 1 ЦГО интегрированы с данной информационной системой для получения данных и используют данные на регулярной основе",
        en: "information systems of more than 1 ЦГО are integrated with this IS to receive data and use the data regularly",
        applies_to: &[],
    },
    CriterionText {
        id: "1.4",
        ru: "Информационная система всех подведомственных организаций и территориальных подразделений одного ЦГО (в случае наличия) интегрированы с данной информационной системой для получения данных и используют их на регулярной основе",
        en: "information systems of all subordinate organizations and territorial units of one ЦГО (where it has any) are integrated with this IS to receive data and use it regularly (the published text's stray \"20\" before \"территориальных\" is read as an artefact, AMB-PL-6)",
        applies_to: &[],
    },
    CriterionText {
        id: "2.1",
        ru: "Информационная система и (или) АПК является эталонным хранилищем, либо средством хранения для отдельных категорий, данных о гражданах или их имуществе.",
        en: "the IS and/or HSC is a reference store, or a means of storage, for separate categories of data about citizens or their property",
        applies_to: &[],
    },
    CriterionText {
        id: "2.2",
        ru: "Информационная система и (или) АПК является эталонным хранилищем, либо средством хранения других первичных данных, которые требуются от граждан при получении государственных услуг.",
        en: "the IS and/or HSC is a reference store, or a means of storage, of other primary data required from citizens when they receive public services",
        applies_to: &[],
    },
    CriterionText {
        id: "2.3",
        ru: "Информационная система и (или) АПК задействован или создает условия для предоставления более 3 электронных государственных услуг.",
        en: "the IS and/or HSC is involved in, or creates the conditions for, providing more than 3 electronic public services",
        applies_to: &[],
    },
    CriterionText {
        id: "2.4",
        ru: "Информационная система и (или) АПК обеспечивает взаимодействие государственных органов с использованием носителей информации с закрытыми ключами электронно-цифровой подписи удостоверяющего центра государственных органов и их защиту от несанкционированного доступа.",
        en: "the IS and/or HSC provides interaction between state bodies using storage media with private keys of electronic digital signature of the certification authority of state bodies, and their protection from unauthorized access",
        applies_to: &[],
    },
    CriterionText {
        id: "2.5",
        ru: "Информационная система и (или) АПК функционирует в Единой транспортной среде государственных органов Республики Казахстан.",
        en: "the IS and/or HSC operates in the Unified Transport Environment of state bodies of the Republic of Kazakhstan",
        applies_to: &[],
    },
    CriterionText {
        id: "3.1",
        ru: "Информационная система имеет более 1000 активных зарегистрированных пользователей",
        en: "the information system has more than 1 000 active registered users (an IS only)",
        applies_to: &[IS],
    },
    CriterionText {
        id: "3.2",
        ru: "Первичными данными информационной системы и (или) АПК пользуются более 100 000 человек.",
        en: "more than 100 000 people use the primary data of the IS and/or HSC",
        applies_to: &[],
    },
    CriterionText {
        id: "3.3",
        ru: "К информационной системе и (или) АПК подключено не менее 50% всех государственных служащих Республики Казахстан",
        en: "not less than 50% of all civil servants of the Republic of Kazakhstan are connected to the IS and/or HSC",
        applies_to: &[],
    },
    CriterionText {
        id: "3.4",
        ru: "Все пользователи государственного органа используют составляющие компоненты АПК",
        en: "all users of the state body use the component parts of the HSC (an HSC only)",
        applies_to: &[HSC],
    },
];

/// A criterion's group number: the first component of its id ("2.3" is in group 2).
pub fn group_of(id: &str) -> &str {
    id.split('.').next().unwrap_or(id)
}

/// Whether criterion `c` applies to `kind`.
pub fn applies(c: &CriterionText, kind: &str) -> bool {
    c.applies_to.is_empty() || c.applies_to.contains(&kind)
}

/// One item the SI confirms is on the architecture portal (PL-5.b): its number in the
/// order's list, the Russian text of p.5 of the Rules, and an English gloss.
pub struct PortalItem {
    pub n: &'static str,
    pub ru: &'static str,
    pub en: &'static str,
}

/// PL-5.b for an information system: p.5 sp.1), six items, in the order's sequence.
///
/// Item 6 is a trial of compliance with **information-security** requirements ("требованиям
/// информационной безопасности"), as the order says; an expired act counts while the IS is at the
/// development stage (the SI answers `true` then).
pub const IS_PORTAL_ITEMS: [PortalItem; 6] = [
    PortalItem {
        n: "1",
        ru: "описание информационной системы",
        en: "description of the information system",
    },
    PortalItem {
        n: "2",
        ru: "копия технической документации",
        en: "copy of the technical documentation",
    },
    PortalItem {
        n: "3",
        ru: "документ о сдаче в промышленную эксплуатацию",
        en: "document on putting into commercial operation",
    },
    PortalItem {
        n: "4",
        ru: "сведения о количестве зарегистрированных пользователей информационной системы",
        en: "number of registered users of the information system",
    },
    PortalItem {
        n: "5",
        ru: "количество государственных органов, использующих информационную систему и количество объектов, на которых внедрена информационная система (государственные органы, подведомственные организации, территориальные подразделения)",
        en: "number of state bodies using the information system and number of sites where it is deployed (state bodies, subordinate organizations, territorial units)",
    },
    PortalItem {
        n: "6",
        ru: "копию акта по результатам испытаний на соответствие требованиям информационной безопасности (акт испытаний, срок которого истек, в случае если информационная система находится на стадии развития)",
        en: "copy of the act on the results of trials of compliance with information-security requirements (an expired trial act where the information system is at the development stage)",
    },
];

/// PL-5.b for a hardware-software complex: p.5 sp.2), two items.
pub const HSC_PORTAL_ITEMS: [PortalItem; 2] = [
    PortalItem {
        n: "1",
        ru: "описание АПК",
        en: "description of the HSC",
    },
    PortalItem {
        n: "2",
        ru: "технические характеристики АПК",
        en: "technical characteristics of the HSC",
    },
];

/// The portal items of an object kind (empty for an unknown kind).
pub fn portal_items(kind: &str) -> &'static [PortalItem] {
    match kind {
        IS => &IS_PORTAL_ITEMS,
        HSC => &HSC_PORTAL_ITEMS,
        _ => &[],
    }
}

/// The field of the PL-3.c declaration: the state body ensures that the object's information
/// and the electronic copies of its technical documentation are on the architecture portal,
/// under the rules for recording information about informatization objects (cited by p.3 as
/// order 146/НҚ, by LC-4 as 174/НҚ: AMB-PL-12; the declaration names neither).
pub const PORTAL_DECLARATION: &str = "portal_placement_declared";

/// PL-3 (documents by object kind), PL-F1 (the application form), PL-3.c (the portal
/// declaration), PL-F3 (the criteria).
pub fn form() -> Form {
    let criteria_info = "information on compliance with the selection criteria (Appendix 2)";
    let optional = |f: Field| Field {
        required: false,
        ..f
    };
    Form {
        kind_rule: "PL-3".into(),
        kinds: vec![
            object_kind(
                IS,
                "information system",
                "PL-3.a",
                &[
                    (
                        "services-or-functions-list",
                        "list of public services provided electronically with the IS, or of the state-body functions it automates",
                    ),
                    ("criteria-compliance", criteria_info),
                ],
            ),
            object_kind(
                HSC,
                "hardware-software complex",
                "PL-3.b",
                &[
                    ("registered-users", "number of registered HSC users"),
                    (
                        "interacting-systems",
                        "information systems the state body's users interact with through the HSC",
                    ),
                    (
                        "units-and-users",
                        "structural and territorial units using the HSC, with the final number of users per unit",
                    ),
                    (
                        "authorized-software",
                        "software authorized for use in the state body",
                    ),
                    ("criteria-compliance", criteria_info),
                ],
            ),
        ],
        // Appendix 1, in its order: Кому; наименование государственного органа; просит;
        // наименование объекта; фамилия, имя, отчество, подпись, дата; Место для печати.
        fields: vec![
            field(
                "addressee",
                "To: the authorized body in the field of informatization",
                "PL-F1",
                FieldType::Text,
            ),
            field(
                "state_body_name",
                "Name of the state body",
                "PL-F1",
                FieldType::Text,
            ),
            field("request", "Request", "PL-F1", FieldType::Text),
            field(
                "object_name",
                "Name of the e-government ICI object",
                "PL-F1",
                FieldType::Text,
            ),
            field(
                "signatory",
                "Surname, name, patronymic of the signatory",
                "PL-F1",
                FieldType::Text,
            ),
            // AMB-PL-11: an electronic submission is signed with the signatory's electronic
            // digital signature (ЭЦП); the field references the signed application.
            field(
                "signature",
                "Signature: reference to the application signed with the signatory's electronic digital signature (URI or portal id)",
                "PL-F1",
                FieldType::Text,
            ),
            field("signed_on", "Date", "PL-F1", FieldType::Date),
            optional(field(
                "seal",
                "Place for the seal: reference to the seal (or the state body's own EDS) where applicable (URI or portal id)",
                "PL-F1",
                FieldType::Text,
            )),
            field(
                PORTAL_DECLARATION,
                "Declaration (PL-3.c): the object's information and electronic copies of its technical documentation are placed on the architecture portal: yes or no",
                "PL-3.c",
                FieldType::Text,
            ),
        ],
        criteria: CRITERIA
            .iter()
            .map(|c| {
                let (_, group) = GROUP_TITLES
                    .iter()
                    .find(|(n, _)| *n == group_of(c.id))
                    .expect("every criterion is in a group of Appendix 2");
                criterion(c.id, *group, c.text, c.applies_to, "PL-F3")
            })
            .collect(),
    }
}

/// A reference: `scheme:rest`, no blanks (e.g. `eds:cms/2026/0001`, `portal:doc/7`,
/// `https://...`), like the documents' references.
fn is_reference(s: &str) -> bool {
    !s.chars().any(char::is_whitespace)
        && s.split_once(':').is_some_and(|(scheme, rest)| {
            !rest.is_empty()
                && !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        })
}

/// The first day of the application form of Appendix 1 as restated by order 353/НҚ (its entry
/// into force, PL-ORD-4; the date the perechen-353 manifest gives): an application signed
/// before it was signed on another form.
pub const FORM_FIRST_DAY: &str = "2022-10-10";

/// The plausible range of each date field (PL-F1 item 7): the form's date falls between the
/// form's first day and the day of submission.
pub fn date_ranges() -> Vec<DateRange> {
    vec![DateRange::up_to_today(
        "signed_on",
        FORM_FIRST_DAY,
        "the date of an application on the form of order 353/НҚ, not after its submission",
    )]
}

/// The variant's `validate`: the generic form validator on this form, then what it cannot
/// type: the PL-3.c declaration is `yes` or `no`, and the signature and seal are references.
pub fn validate(submission: &str, today: &str) -> Vec<Violation> {
    let form = form();
    match Submission::parse(&form, submission) {
        Ok(s) => {
            let mut v = check_form(&form, &date_ranges(), &s, today);
            check_declarations(|name| s.given(name), &mut v);
            v
        }
        // Not of the form's shape: what of it can be read is still checked.
        Err(shape) => {
            let mut v = vec![shape];
            if let Ok(s) = serde_json::from_str::<Value>(submission) {
                check_declarations(
                    |name| {
                        s["fields"][name]
                            .as_str()
                            .map(str::trim)
                            .filter(|x| !x.is_empty())
                    },
                    &mut v,
                );
            }
            v
        }
    }
}

/// PL-3.c and PL-F1 beyond the form: the portal declaration is `yes` or `no`, and the signature
/// and the seal are references; `given` reads a field (trimmed, `None` when blank).
fn check_declarations<'a>(given: impl Fn(&str) -> Option<&'a str>, v: &mut Vec<Violation>) {
    let mut push = |field: &str, rule: &str, message: String| {
        v.push(Violation {
            field: format!("fields.{field}"),
            rule: rule.into(),
            message,
        })
    };
    if let Some(x) = given(PORTAL_DECLARATION)
        && x != "yes"
        && x != "no"
    {
        push(
            PORTAL_DECLARATION,
            "PL-3.c",
            format!(
                "the declaration that the object's information and technical documentation are on the architecture portal is \"yes\" or \"no\", got {x:?}"
            ),
        );
    }
    for (name, what) in [("signature", "the signature"), ("seal", "the seal")] {
        if let Some(x) = given(name)
            && !is_reference(x)
        {
            push(
                name,
                "PL-F1",
                format!(
                    "{what} is a reference to the electronically signed application (e.g. eds:… or portal:…), not text; got {x:?}"
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pl_f3_the_13_criteria_of_appendix_2_with_every_figure() {
        let f = form();
        let ids: Vec<&str> = f.criteria.iter().map(|c| c.id.as_ref()).collect();
        assert_eq!(
            ids,
            [
                "1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "2.4", "2.5", "3.1", "3.2", "3.3",
                "3.4"
            ]
        );
        let text = |id: &str| {
            f.criteria
                .iter()
                .find(|c| c.id == id)
                .unwrap()
                .text
                .replace(' ', "")
        };
        for (id, figure) in [
            ("1.1", "более1центральногогосударственногооргана"),
            ("1.3", "более1ЦГО"),
            ("2.3", "более3электронныхгосударственныхуслуг"),
            ("3.1", "более1000активных"),
            ("3.2", "более100000человек"),
            ("3.3", "неменее50%всехгосударственныхслужащих"),
        ] {
            assert!(text(id).contains(figure), "{id}: {}", text(id));
        }
        // Russian first, then " — " and the English gloss.
        for c in &f.criteria {
            let (ru, en) = c.text.split_once(" — ").unwrap();
            assert!(ru.chars().any(|ch| ('а'..='я').contains(&ch)), "{ru}");
            assert!(en.is_ascii() || en.contains("ЦГО"), "{en}");
            assert_eq!(c.rule, "PL-F3");
        }
    }

    #[test]
    fn pl_f3_group_titles_are_kept() {
        let f = form();
        let group = |id: &str| {
            f.criteria
                .iter()
                .find(|c| c.id == id)
                .unwrap()
                .group
                .clone()
        };
        assert!(group("1.4").starts_with("1. Масштабы информационной системы и (или)"));
        assert!(group("2.1").starts_with("2. Категория информационной системы и (или) АПК — "));
        assert!(
            group("3.3")
                .starts_with("3. Количество пользователей информационной системы и (или) АПК — ")
        );
    }

    #[test]
    fn amb_pl_6_criterion_1_4_reads_as_1_2_without_the_stray_20() {
        let c = CRITERIA.iter().find(|c| c.id == "1.4").unwrap();
        assert!(c.ru.contains(
            "всех подведомственных организаций и территориальных подразделений одного ЦГО"
        ));
        assert!(!c.ru.contains("20"));
    }

    #[test]
    fn pl_f3_3_1_is_for_an_information_system_and_3_4_for_a_complex() {
        let f = form();
        let kinds = |id: &str| {
            f.criteria
                .iter()
                .find(|c| c.id == id)
                .unwrap()
                .applies_to
                .clone()
        };
        assert_eq!(kinds("3.1"), [IS]);
        assert_eq!(kinds("3.4"), [HSC]);
        assert!(kinds("1.4").is_empty());
    }

    #[test]
    fn pl_5b_six_items_for_an_information_system_and_two_for_a_complex() {
        assert_eq!(portal_items(IS).len(), 6);
        assert_eq!(portal_items(HSC).len(), 2);
        assert!(portal_items("thing").is_empty());
        // The order (p.5 sp.1) item 6): trials for information-security requirements.
        assert!(
            IS_PORTAL_ITEMS[5]
                .ru
                .contains("требованиям информационной безопасности")
        );
        assert!(IS_PORTAL_ITEMS[5].ru.contains("срок которого истек"));
        assert_eq!(HSC_PORTAL_ITEMS[1].ru, "технические характеристики АПК");
    }

    fn application() -> Value {
        json!({
            "object_kind": IS,
            "fields": {"addressee": "Ministry of Digital Development", "state_body_name": "Ministry of Justice",
                       "request": "Include the IS in the Perechen", "object_name": "E-notary",
                       "signatory": "Nurlanov A. B.", "signature": "eds:cms/2026-03-18/0001",
                       "signed_on": "2026-03-18", "portal_placement_declared": "yes"},
            "documents": [{"kind": "services-or-functions-list", "reference": "portal:doc/1"},
                          {"kind": "criteria-compliance", "reference": "portal:doc/2"}],
            "criteria": {"1.1": true, "1.2": false, "1.3": false, "1.4": false, "2.1": true, "2.2": false,
                         "2.3": true, "2.4": false, "2.5": false, "3.1": true, "3.2": false, "3.3": false}
        })
    }

    fn violations(app: &Value) -> Vec<(String, String)> {
        validate(&app.to_string(), "2026-03-19")
            .into_iter()
            .map(|v| (v.field, v.rule))
            .collect()
    }

    fn owned(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(f, r)| ((*f).to_owned(), (*r).to_owned()))
            .collect()
    }

    #[test]
    fn pl_f1_a_complete_application_is_valid_and_the_seal_is_optional() {
        assert_eq!(violations(&application()), []);
        let mut sealed = application();
        sealed["fields"]["seal"] = json!("eds:org/940740000911");
        assert_eq!(violations(&sealed), []);
    }

    #[test]
    fn pl_f1_the_signature_is_required_and_is_a_reference() {
        let mut unsigned = application();
        unsigned["fields"]
            .as_object_mut()
            .unwrap()
            .remove("signature");
        assert_eq!(
            violations(&unsigned),
            owned(&[("fields.signature", "PL-F1")])
        );
        let mut typed = application();
        typed["fields"]["signature"] = json!("Nurlanov A. B.");
        typed["fields"]["seal"] = json!("М.П.");
        assert_eq!(
            violations(&typed),
            owned(&[("fields.signature", "PL-F1"), ("fields.seal", "PL-F1")])
        );
    }

    #[test]
    fn pl_3c_the_portal_declaration_is_required_and_is_yes_or_no() {
        let mut none = application();
        none["fields"]
            .as_object_mut()
            .unwrap()
            .remove(PORTAL_DECLARATION);
        assert_eq!(
            violations(&none),
            owned(&[("fields.portal_placement_declared", "PL-3.c")])
        );
        let mut no = application();
        no["fields"][PORTAL_DECLARATION] = json!("no");
        assert_eq!(violations(&no), []);
        let mut maybe = application();
        maybe["fields"][PORTAL_DECLARATION] = json!("true");
        assert_eq!(
            violations(&maybe),
            owned(&[("fields.portal_placement_declared", "PL-3.c")])
        );
    }

    #[test]
    fn pl_f1_a_body_not_of_the_forms_shape_is_still_checked_where_it_can_be_read() {
        // Parsed once into the form's type; a body that does not fit it (a field that is not
        // text) is named by its shape, and the signature it gives is still checked.
        let mut odd = application();
        odd["fields"]["request"] = json!(7);
        odd["fields"]["signature"] = json!("Nurlanov A. B.");
        assert_eq!(
            violations(&odd),
            owned(&[("", "PL-3"), ("fields.signature", "PL-F1")])
        );
        assert_eq!(
            validate("not json", "2026-03-19")
                .into_iter()
                .map(|v| (v.field, v.rule))
                .collect::<Vec<_>>(),
            owned(&[("", "PL-3")])
        );
    }

    #[test]
    fn pl_f3_the_form_texts_joined_when_built_are_the_tables() {
        let f = form();
        for (c, text) in f.criteria.iter().zip(&CRITERIA) {
            assert_eq!(c.text, format!("{} — {}", text.ru, text.en), "{}", c.id);
            let (n, ru, en) = GROUPS.iter().find(|g| g.0 == group_of(text.id)).unwrap();
            assert_eq!(c.group, format!("{n}. {ru} — {en}"), "{}", c.id);
        }
    }

    #[test]
    fn references_have_a_scheme_and_no_blanks() {
        for good in ["eds:cms/1", "portal:doc/7", "https://x.kz/a"] {
            assert!(is_reference(good), "{good}");
        }
        for bad in ["", "eds:", ":x", "a b:c", "no scheme", "М.П.:x"] {
            assert!(!is_reference(bad), "{bad}");
        }
    }
}

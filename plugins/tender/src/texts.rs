//! The Rules' words, as the Russian texts state them (order 101/НҚ for the service-model Rules,
//! order 471/НҚ as amended by 178/НҚ for the LC Rules), each with an English gloss: what users
//! read in step titles, outcomes, violations and notifications. An omission inside a quotation
//! is marked "...".

/// SM-36 (p.36), the Commission.
pub const SM_36: &str = "«Заказчик ИК-услуги создает Комиссию по: 1) по проектам СМИ в срок не позднее даты завершения приема заявок от потенциальных поставщиков; 2) для проектов ГЧП СМИ после получения положительного предложения о принятии государственных обязательств по проектам ГЧП СМИ соответствующей бюджетной комиссии» — the customer of the ICT service creates the Commission: for SMI projects no later than the date acceptance of applications from potential suppliers ends (SM-36.a); for PPP SMI projects after it receives the relevant budget commission's positive proposal to take on state obligations (SM-36.b)";
/// SM-36.a (p.36 sp.1)).
pub const SM_36_A: &str = "«по проектам СМИ в срок не позднее даты завершения приема заявок от потенциальных поставщиков» — for SMI projects, no later than the date acceptance of applications from potential suppliers ends (p.36 sp.1))";
/// SM-36.b (p.36 sp.2)).
pub const SM_36_B: &str = "«для проектов ГЧП СМИ после получения положительного предложения о принятии государственных обязательств по проектам ГЧП СМИ соответствующей бюджетной комиссии» — for PPP SMI projects, after receiving the relevant budget commission's positive proposal to take on state obligations (p.36 sp.2))";
/// SM-42 (p.42).
pub const SM_42: &str = "«Сервисный интегратор в течение 3 (трех) рабочих дней после утверждения задания на проектирование по согласованию с заказчиком ИК-услуги размещает на электронной площадке объявление о начале конкурсных процедур по определению поставщика ... с приложением задания на проектирование ИК-услуги» — within 3 working days of the approval of the design assignment the service integrator, in agreement with the customer of the ICT service, places on the electronic platform the announcement of the start of tender procedures to determine the supplier, with the design assignment attached (p.42; AMB-SM-8: the customer's agreement is a precondition of the publication)";
/// SM-47 (p.47).
pub const SM_47: &str = "«Срок приема заявок от потенциальных поставщиков указывается в объявлении и составляет 15 (пятнадцать) рабочих дней со дня опубликования объявления о начале приема заявок» — the period for accepting applications from potential suppliers is stated in the announcement and is 15 (fifteen) working days from the day the announcement of the start of acceptance is published (p.47)";
/// SM-49 (p.49).
pub const SM_49: &str = "«Заявка на участие в конкурсе подается в адрес сервисного интегратора на бумажном носителе либо электронном носителе посредством электронной площадки по форме, согласно приложению 4 к настоящим Правилам» — the application to take part in the tender is filed with the service integrator on paper or on electronic media through the electronic platform, in the form of Appendix 4 (p.49; here the electronic one, AMB-SM-9; Appendix 4 is not in the text, AMB-SM-1)";
/// SM-53-1.a (p.53-1 para 1).
pub const SM_53_1_A: &str = "«Если в течении срока действия объявления не поступило ни одной заявки, Комиссия принимает решение о повторном объявлении конкурса по определению поставщика сервисного программного продукта или объекта ИКИ» — if no application came during the validity of the announcement, the Commission decides to announce again the tender to determine the supplier of the service software product or ICI object (p.53-1 para 1)";
/// SM-53-1.b (p.53-1 para 2).
pub const SM_53_1_B: &str = "«Если в течении срока действия повторного объявления не поступило ни одной заявки, Комиссия принимает решение о внесении изменений и дополнений в задание на проектирование ИК-услуги и повторном проведении конкурса» — if no application came during the validity of the repeated announcement, the Commission decides to amend and supplement the design assignment and to hold the tender again (p.53-1 para 2)";
/// SM-53-1.c (p.53-1 para 3).
pub const SM_53_1_C: &str = "«Если в течении срока действия повторного объявления, с изменениями и дополнениями в задание на проектирование ИК-услуги, не поступило ни одной заявки, Комиссия принимает решение об отмене создания или развития ИК-услуги» — if no application came during the validity of the repeated announcement with the amended and supplemented design assignment, the Commission decides to cancel the creation or development of the ICT service (p.53-1 para 3)";
/// SM-19 sp.12) (SM-F2 item 12).
pub const SM_F2_12: &str = "«критерии отбора поставщика» — the criteria for selecting the supplier (p.19 sp.12), the design assignment's item 12)";
/// SM-73 (p.73).
pub const SM_73: &str = "«По итогам создания сервисного программного продукта или объекта ИКИ в сроки установленные протоколом или ЗНП сервисный интегратор инициирует проведение тестирования. К уведомлению поставщик представляет: информацию о требуемых ресурсах информационно-коммуникационной инфраструктуры для функционирования сервисного программного продукта или объекта ИКИ в среде эксплуатации» — once the service software product or ICI object is created, within the time limits set by the protocol or the design assignment, the service integrator initiates testing; with the notification the supplier submits the information on the ICT-infrastructure resources the product or object needs in the operating environment (p.73; AMB-SM-11: the supplier notifies the SI that creation is complete)";
/// SM-76-1 (p.76-1).
pub const SM_76_1: &str = "«Тестирование на работоспособность сервисного программного продукта или объекта ИКИ включает проверку интеграции, указанных в ЗНП по интеграционным сервисам, размещенных в реестре сервисов» — operability testing of the service software product or ICI object includes checking the integrations the design assignment names with integration services placed in the register of services (p.76-1)";
/// SM-80-1 (p.80-1).
pub const SM_80_1: &str = "«Оператор для проведения испытаний на соответствие требованиям обеспечивает выделение ИК-инфраструктуры в соответствующей штатной среде эксплуатации» — for the compliance trials the operator allocates ICT infrastructure in the corresponding regular operating environment (p.80-1)";
/// SM-82 (p.82).
pub const SM_82: &str = "«При создании объекта ИКИ, оператор обеспечивает прохождение испытаний информационно-коммуникационной платформы \"электронного правительства\" с учетом созданного объекта ИКИ на соответствие требований информационной безопасности. По итогам прохождения испытаний ... оператор направляет уведомление сервисному интегратору» — when an ICI object is created, the operator has the e-government ICT platform, with the object, pass the trials of compliance with information-security requirements, and then notifies the service integrator (p.82; for a service software product its own trials, AMB-SM-12, AMB-SM-13)";
/// SM-83 (p.83).
pub const SM_83: &str = "«Сервисный интегратор в срок не позднее 2 (двух) рабочих дней со дня получения уведомления от поставщика или оператора инициирует заседание Комиссии» — no later than 2 working days from the day it receives the notification of the supplier or the operator, the service integrator initiates a meeting of the Commission (p.83; AMB-SM-12)";
/// SM-85 (p.85).
pub const SM_85: &str = "«Комиссия на основании представленных сервисным интегратором протоколов предыдущих заседаний Комиссии, протоколов тестирования, акта испытаний на соответствие информационной безопасности сервисного программного продукта принимает решение о формировании ИК-услуги» — on the basis of the protocols of the Commission's previous meetings, the testing protocols and the act of the information-security trials presented by the service integrator, the Commission decides to form the ICT service (p.85; AMB-SM-13: for an ICI object the platform's trial act; a refusal is not regulated)";
/// SM-86, SM-87 (p.86, p.87).
pub const SM_87: &str = "«Формирование ИК-услуги осуществляется в следующем порядке: 1) ввод в промышленную эксплуатацию сервисного программного продукта или объекта ИКИ и ИК-услуги; 2) включение в Каталог ИК-услуг ... Ввод в промышленную эксплуатацию сервисного программного продукта или объекта ИКИ осуществляется оператором совместно с поставщиком» — the ICT service is formed by commissioning the product or ICI object and the ICT service, then by its inclusion in the Catalog of ICT services; the operator commissions together with the supplier (p.86, p.87)";
/// SM-87-1 (p.87-1).
pub const SM_87_1: &str = "«При вводе в промышленную эксплуатацию сервисного программного продукта оператор принимает техническую документацию на сервисный программный продукт» — when a service software product is commissioned, the operator accepts its technical documentation (p.87-1)";
/// SM-98.a (p.98 para 1).
pub const SM_98_A: &str = "«Оператор в срок не позднее 3 (трех) рабочих дней после подписания протокола ввода в промышленную эксплуатацию сервисного программного продукта или объекта ИКИ направляет Сервисному интегратору соответствующее уведомление с копией протокола» — no later than 3 working days after the commissioning protocol is signed, the operator notifies the service integrator, with a copy of the protocol (p.98)";
/// SM-98.b (p.98 para 2).
pub const SM_98_B: &str = "«Сервисный интегратор в срок не позднее 3 (трех) рабочих дней со дня получения уведомления от оператора, направляет уведомление о необходимости включения ИК-услуги в Каталог ИК-услуг уполномоченному органу» — no later than 3 working days from the day it receives the operator's notification, the service integrator notifies the authorized body that the ICT service must be included in the Catalog of ICT services (p.98)";
/// SM-103-1 (p.103-1).
pub const SM_103_1: &str = "«Если в задании на проектирование указано требование по передаче сервисного программного продукта в собственность государственного органа после трех лет аренды, то в соответствии с договором между поставщиком и государственным органом сервисный программный продукт передается в собственность государственного органа» — if the design assignment requires that the service software product pass into the state body's ownership after three years of rental, it passes under the contract between the supplier and the state body (p.103-1)";

/// LC-9 sp.3) (the trials).
pub const LC_9_3: &str = "«испытание объекта информатизации \"электронного правительства\" на соответствие требованиям информационной безопасности (далее - испытание) согласно статье 49 Закона» — testing of the object for compliance with information-security requirements under Art. 49 of the Law (p.9 sp.3))";
/// LC-9 sp.5) (commissioning).
pub const LC_9_5: &str = "«ввод в промышленную эксплуатацию объекта информатизации \"электронного правительства\"» — commissioning of the object into commercial operation (p.9 sp.5))";
/// LC-9 (p.9, the steps of creation).
pub const LC_9: &str = "«Создание и развитие объекта информатизации \"электронного правительства\" включают: 1) разработку объекта информатизации \"электронного правительства\"; 2) проведение опытной эксплуатации ...» — creation and development include the development of the object, its trial operation, the IS-compliance trials, implementation and commissioning (p.9)";
/// LC-25 (p.25), each type: (value, text).
pub const LC_25: [(&str, &str); 3] = [
    (
        "infrastructure",
        "«услуга по предоставлению информационно-коммуникационной инфраструктуры» — provision of ICT infrastructure (p.25 sp.1))",
    ),
    (
        "software",
        "«услуга по предоставлению программного обеспечения» — provision of software (p.25 sp.2))",
    ),
    (
        "technological-platform",
        "«услуга по предоставлению технологической платформы» — provision of a technological platform (p.25 sp.3))",
    ),
];
/// LC-26 (p.26).
pub const LC_26: &str = "«Информационно-коммуникационная услуга по предоставлению программного обеспечения и продукции электронной промышленности приобретается из Реестра» — an ICT service providing software and electronic-industry products is acquired from the Register of trusted software (p.26)";
/// LC-28 (p.28).
pub const LC_28: &str = "«При отсутствии в Реестре необходимой информационно-коммуникационной услуги государственные органы и организации осуществляют государственные закупки способом конкурса на создание информационно-коммуникационной услуги, при этом конкурсная документация включает техническое задание» — when the Register has no ICT service needed, state bodies and organizations procure the creation of the ICT service by tender, and the tender documentation includes the terms of reference (p.28)";
/// LC-31 (p.31).
pub const LC_31: &str = "«Поставщик, определенный по итогам конкурса, предоставляет программное обеспечение в соответствии с условиями договора в виде услуги по предоставлению программного обеспечения» — the supplier determined by the tender provides the software, under the terms of the contract, as a software-provision service (p.31)";
/// LC-32.a (p.32 para 1).
pub const LC_32_A: &str = "«Поставщик, определенный по итогам конкурса, а также потенциальные поставщики инициируют включение программных обеспечений, соответствующих требованиям технического задания на создание и развитие объектов информатизации \"электронного правительства\" в Реестр ...» — the supplier determined by the tender initiates the inclusion in the Register of the software meeting the terms of reference (p.32; POST /api/v1/trusted-software-inclusions, ground tender-winner)";
/// LC-35 (p.35).
pub const LC_35: &str = "«Исключительные права на объект информатизации \"электронного правительства\", создаваемого и развиваемого в рамках информационно-коммуникационной услуги не передаются» — exclusive rights to an object created or developed within an ICT service are not transferred (p.35)";

/// How a 2023 step kept from the service-model Rules is labelled.
pub const KEPT: &str = "kept from the service-model Rules (order 129 as amended by 101/НҚ, which ceased on 01.01.2023) as this edition's reading: the LC Rules leave the conduct of the tender to public procurement (LC-28) and say nothing of it";

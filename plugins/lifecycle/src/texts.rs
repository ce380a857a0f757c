//! The Rules' words, as the Russian text of order 471/НҚ (as amended by 178/НҚ) states them, each
//! with an English gloss: what users read in step titles, outcomes and violations.

/// LC-4.a (p.4 para 1).
pub const LC_4_A: &str = "«Государственные органы и организации осуществляют учет сведений об объектах информатизации \"электронного правительства\" и размещение электронных копий технической документации объектов информатизации \"электронного правительства\" на архитектурном портале» — state bodies and organizations record the information about e-government informatization objects and place electronic copies of their technical documentation on the architecture portal (p.4)";
/// LC-4.b (p.4 para 2).
pub const LC_4_B: &str = "«Представление сведений о создаваемом (развиваемом) или приобретенном объекте информатизации \"электронного правительства\" на архитектурный портал и их актуализация осуществляются на каждом этапе жизненного цикла» — the information about an object created, developed or acquired is submitted to the architecture portal and kept current at each stage of its life cycle (p.4)";
/// LC-8 (p.8).
pub const LC_8: &str = "«Создание и развитие объектов информатизации \"электронного правительства\" реализуются на основании технических заданий» — creation and development are carried out on the basis of terms of reference, prepared and reviewed under order 143/НҚ (p.8)";
/// LC-9 sp.2) (the certificate of completion of trial operation).
pub const LC_9_2: &str = "«оформление акта о завершении опытной эксплуатации» — issuing the certificate (act) of completion of trial operation (p.9 sp.2))";
/// LC-9 sp.3) (testing for compliance with IS requirements).
pub const LC_9_3: &str = "«испытание объекта информатизации \"электронного правительства\" на соответствие требованиям информационной безопасности (далее - испытание) согласно статье 49 Закона» — testing of the object for compliance with information-security requirements under Art. 49 of the Law; its protocol (p.9 sp.3))";
/// LC-10.a (p.10 para 1).
pub const LC_10_A: &str = "«Развитие объекта информатизации \"электронного правительства\" осуществляется после его ввода в промышленную эксплуатацию» — an object is developed only after its commissioning into commercial operation (p.10)";
/// LC-10.b (p.10 para 2).
pub const LC_10_B: &str = "«Развитие объекта информатизации \"электронного правительства\" доверительным управляющим в рамках доверительного управления осуществляется на основании согласованного уполномоченным органом технического задания» — development by a trustee under trust management is based on terms of reference agreed by the authorized body (p.10)";
/// LC-10.c (p.10 para 3).
pub const LC_10_C: &str = "«Доработка объекта информатизации \"электронного правительства\", в части осуществления интеграции объектов информатизации, реализации работ, не требующих внесения изменений в исходный код основного объекта, разработки дополнительных внешних модулей, не является развитием объекта информатизации \"электронного правительства\"» — a refinement by integration of informatization objects, by work that needs no change of the main object's source code, or by additional external modules is not development of the object (p.10)";
/// LC-11 (p.11).
pub const LC_11: &str = "«При создании или развитии объекта информатизации \"электронного правительства\" за счет бюджетных средств поставщики обеспечивают передачу исходных кодов объекта информатизации» — when the object is created or developed with budget funds, the suppliers transfer its source code (p.11)";
/// LC-12.a (p.12 para 1).
pub const LC_12_A: &str = "«оператором предоставляются среды разработки и тестирования, опытной эксплуатации и проведения испытаний ... в течение десяти рабочих дней с момента получения заявки на основании заключенного договора оказания услуги по представлению соответствующей среды» — when the object is created or developed on the e-gov ICT platform, the operator provides the development and testing, trial-operation and trials environments within ten working days of receiving the application, under the concluded Agreement for the environment (p.12)";
/// LC-12.b (p.12 para 2).
pub const LC_12_B: &str = "«оператор предоставляет среду ... на безвозмездной основе и в сроки, не превышающие трех месяцев с момента заключения договора» — the operator provides the environment free of charge, for at most three months from the conclusion of the Agreement (p.12; AMB-LC-4.a: the longest free period, not a delivery term)";
/// LC-13.a (p.13 para 1).
pub const LC_13_A: &str = "«Для размещения объектов информатизации \"электронного правительства\" на информационно-коммуникационной платформе \"электронного правительства\" оператором оказывается услуга по представлению технологической платформы и/или информационно-коммуникационной инфраструктуры ... в течение десяти рабочих дней с момента получения заявки» — to place objects on the e-gov ICT platform the operator provides the technological platform and/or the ICT infrastructure within ten working days of receiving the application (p.13)";
/// LC-13.b, class 1 (p.13 para 3).
pub const LC_13_B_1: &str = "«к первому классу размещаются только на информационно-коммуникационной платформе \"электронного правительства\" или информационно-коммуникационной инфраструктуре \"электронного правительства\"» — objects of class 1 (Classifier of informatization objects, order 135) are placed only on the e-gov ICT platform or the e-gov ICT infrastructure (p.13)";
/// LC-13.b, classes 2 and 3 (p.13 para 4).
pub const LC_13_B_2: &str = "«ко второму и третьему классу, в случае отсутствия возможностей их размещения на информационно-коммуникационной платформе \"электронного правительства\" или информационно-коммуникационной инфраструктуре \"электронного правительства\" размещаются у организации, предоставляющих информационно-коммуникационную инфраструктуру» — objects of classes 2 and 3 are placed with an organization providing ICT infrastructure only when they cannot be placed on the e-gov ICT platform or the e-gov ICT infrastructure (p.13)";
/// LC-14 (p.14, the principle).
pub const LC_14: &str = "«Создание и развитие объектов информатизации \"электронного правительства\" осуществляется приоритетно на информационно-коммуникационной платформе \"электронного правительства\", за исключением случаев когда ...» — objects are created and developed on the e-gov ICT platform as a priority, except in the three cases of p.14";
/// LC-14, its three exceptions (p.14 sp.1)-3)).
pub const LC_14_EXCEPTIONS: [&str; 3] = [
    "1) «требуется развитие объектов информатизации \"электронного правительства\", ранее созданных вне информационно-коммуникационной платформы \"электронного правительства\"» — an object created earlier outside the platform is to be developed",
    "2) «создание объекта информатизации \"электронного правительства\" на информационно-коммуникационной платформе \"электронного правительства\" технически либо экономически нецелесообразно» — creating the object on the platform is technically or economically inexpedient",
    "3) «в Реестре доверенного программного обеспечения и продукции электронной промышленности ... имеются объекты информатизации, содержащие аналогичный функционал» — the Register of trusted software and electronic-industry products holds informatization objects with similar functionality",
];
/// LC-15 (p.15).
pub const LC_15: &str = "«Ввод в промышленную эксплуатацию объекта информатизации \"электронного правительства\" осуществляется в соответствии со статьей 40 Закона» — commissioning into commercial operation follows Art. 40 of the Law; its act (p.15, p.9 sp.5))";
/// LC-16.b (p.16 sp.9)).
pub const LC_16_B: &str = "«Гарантийное обслуживание обеспечивается сроком 12 (двенадцать) месяцев со дня введения в промышленную эксплуатацию объекта информатизации \"электронного правительства\"» — warranty service is provided for 12 months from the day the object is commissioned into commercial operation (p.16 sp.9))";
/// LC-17.b (p.17 para 2, the duty).
pub const LC_17_B: &str = "«В течение гарантийного срока поставщик в согласованные сроки устраняет ошибки и недочеты, допущенные им, но при соблюдении следующих требований» — during the warranty period the supplier eliminates the errors and shortcomings it made, within the agreed time limits, provided the following requirements are met (p.17; AMB-LC-6: all five)";
/// LC-17.b, its five conditions: (field, text).
pub const LC_17_B_CONDITIONS: [(&str, &str); 5] = [
    (
        "evidence",
        "condition 1: «документально подтвержденное свидетельство наличия сбоя» — documented evidence of the failure",
    ),
    (
        "supplier_error",
        "condition 2: «подтверждение того, что сбой произошел из-за ошибки, допущенной поставщиком» — confirmation that the failure was caused by an error made by the supplier",
    ),
    (
        "operated_correctly",
        "condition 3: «корректная эксплуатация объекта информатизации \"электронного правительства\"» — correct operation of the object",
    ),
    (
        "no_intervention",
        "condition 4: «отсутствие самостоятельного вмешательства заказчика в программное обеспечение, нарушившего его целостность» — no independent intervention by the customer in the software that violated its integrity",
    ),
    (
        "tor_compliant",
        "condition 5: «соответствие претензии заказчика требованиям технического задания на создание и развитие \"объекта информатизации\"» — the customer's claim complies with the requirements of the terms of reference for creating and developing the object",
    ),
];
/// LC-18 (p.18).
pub const LC_18: &str = "«Расходы на проведение мероприятий, предусмотренных для этапа промышленной эксплуатации ... на планируемый период не поддерживаются при отсутствии сведений и электронных копий технической документации объекта информатизации \"электронного правительства\" на архитектурном портале» — the expenses of the commercial-operation stage are not supported without the object's information and the electronic copies of its technical documentation on the architecture portal (p.18)";
/// LC-19 (p.19).
pub const LC_19: &str = "«Отсутствие необходимости дальнейшего использования объекта информатизации \"электронного правительства\" влечет прекращение промышленной эксплуатации» — when the object is no longer needed, its commercial operation ends (p.19); termination is final";
/// LC-22 (p.22).
pub const LC_22: &str = "«Потенциальные поставщики на основании утвержденных целевых моделей бизнес-процессов государственных органов, обеспечивают заблаговременное включение программного обеспечения в Реестр» — potential suppliers, on the basis of the approved target business-process models of state bodies, have their software included in the Register in advance (p.22)";
/// LC-23.a (p.23 para 1).
pub const LC_23_A: &str = "«Приобретение организациями, являющимися государственными юридическими лицами прав на объект информатизации \"электронного правительства\" в результате наследования, дарения осуществляется в соответствии со статьей 27 Закона Республики Казахстан \"О государственном имуществе\", с учетом заключения уполномоченного органа» — rights to an object acquired by inheritance or donation are acquired under Art. 27 of the Law \"On State Property\", taking into account the authorized body's conclusion (p.23)";
/// LC-23.b, the indicators of the conclusion: (field, text).
pub const LC_23_B: [(&str, &str); 2] = [
    (
        "economic_expediency",
        "«экономическая целесообразность приема имущества в государственную собственность, в рамках которого осуществляется оценка возможных затрат бюджета на проведение мероприятий, предусмотренных для этапа промышленной эксплуатации» — the economic expediency of taking the property into state ownership: the possible budget costs of the commercial-operation stage (p.23)",
    ),
    (
        "purpose_and_use",
        "«назначение и использование имущества после приема в государственную собственность» — the purpose and use of the property after its acceptance into state ownership (p.23)",
    ),
];
/// LC-23.b, the service integrator's assessment within the second indicator: (field, text).
pub const LC_23_B_SI: [(&str, &str); 3] = [
    (
        "architecture",
        "«на соответствие архитектуре \"электронного правительства\"» — compliance with the e-government architecture",
    ),
    (
        "requirements",
        "«техническим, правовым требованиям в области информационно-коммуникационных технологий, управления данными» — compliance with the technical and legal requirements in ICT and data management",
    ),
    (
        "no_similar_in_register",
        "«отсутствие наличия аналогичного программного обеспечения в Реестре» — no similar software in the Register",
    ),
];
/// LC-24 (p.24).
pub const LC_24: &str = "«При дарении обеспечивается проведение опытной эксплуатации объекта информатизации \"электронного правительства\" и его ввод в промышленную эксплуатацию» — a donated object passes trial operation and is commissioned into commercial operation (p.24)";
/// LC-32.a (p.32 para 1).
pub const LC_32_A: &str = "«Поставщик, определенный по итогам конкурса, а также потенциальные поставщики инициируют включение программных обеспечений, соответствующих требованиям технического задания ... в Реестр в соответствии с Правилами формирования и ведения реестра» — the tender winner and potential suppliers initiate the inclusion in the Register of software meeting the terms of reference, under the Register rules (order 53/НҚ of 28.03.2018) (p.32)";
/// LC-37 (p.37).
pub const LC_37: &str = "«Сервисные программные продукты, введенные в промышленную эксплуатацию до 1 января 2023 года, включаются в Реестр без применения норм Правил формирования и ведения реестра» — service software products commissioned into commercial operation before 1 January 2023 are included in the Register without applying the Register rules (p.37)";
/// LC-38 (p.38).
pub const LC_38: &str = "«Сервисные программные продукты, находящиеся в разработке на момент введения в действие настоящего приказа, включаются в Реестр после прохождения этапов тестирования, испытания и ввода в промышленную эксплуатацию» — service software products under development when order 471/НҚ entered into force (01.01.2023, AMB-LC-10) are included in the Register after testing, the IS-compliance trials (испытания) and commissioning (p.38)";

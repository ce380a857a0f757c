//! A variant of a future contract major version: it imports `egov:procedure/host@3.0.0`.
//! The host must refuse it with "built for 3.0.0, host supports ^1.0.0 || ^2.0.0".

mod bindings {
    wit_bindgen::generate!({
        inline: r#"
            package egov:procedure@3.0.0;
            interface host {
                today: func() -> string;
            }
            world procedure-variant {
                import host;
                export metadata: func() -> string;
            }
        "#,
    });
}

use bindings::egov::procedure::host;

struct Variant;

impl bindings::Guest for Variant {
    fn metadata() -> String {
        host::today()
    }
}

bindings::export!(Variant with_types_in bindings);

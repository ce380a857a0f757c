//! tender's aggregates. None yet: this service reacts to design assignments approved by expertise (the start of a tender) once the procedures
//! that produce them run as plugin variants (issue #4 and later).
//! Its consumer groups are attached by `egov_runtime::start_shell`, which acknowledges events
//! until this service has a reaction to them.

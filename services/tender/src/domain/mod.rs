//! tender's aggregates. None yet: this service reacts to design assignments approved by expertise (the start of a tender) once the procedures
//! that produce them run as plugin variants (issue #4 and later).
//! It attaches no consumer group until it has a reaction to events (`egov_runtime::start_shell`):
//! its group, created then at the start of each topic, reads what was published before.

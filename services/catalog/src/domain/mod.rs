//! catalog's aggregates. None yet: this service reacts to Perechen inclusions and formed ICT services once the procedures
//! that produce them run as plugin variants (issue #4 and later).
//! It attaches no consumer group until it has a reaction to events (`egov_runtime::start_shell`):
//! its group, created then at the start of each topic, reads what was published before.

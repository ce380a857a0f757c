//! A variant's deployment manifest, as the variant reads it when built.

use crate::parse_date;

/// The period of a manifest: `effective_from` (required) and `effective_to` (absent: open),
/// each a quoted local date `"YYYY-MM-DD"`, read from the top-level keys (before the first
/// `[table]`). The same keys the registry reads from the deployed copy.
pub fn manifest_period(manifest: &str) -> Result<(String, Option<String>), String> {
    let (mut from, mut to) = (None, None);
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            break;
        }
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let slot = match key.trim() {
            "effective_from" => &mut from,
            "effective_to" => &mut to,
            _ => continue,
        };
        let value = value.trim();
        let date = value
            .strip_prefix('"')
            .and_then(|v| v.split_once('"'))
            .filter(|(_, rest)| rest.trim().is_empty() || rest.trim().starts_with('#'))
            .map(|(d, _)| d)
            .filter(|d| parse_date(d).is_some())
            .ok_or_else(|| format!("{} = {value}: not a quoted date \"YYYY-MM-DD\"", key.trim()))?;
        if slot.replace(date.to_owned()).is_some() {
            return Err(format!("{} is given twice", key.trim()));
        }
    }
    let from = from.ok_or("effective_from is missing")?;
    if let Some(to) = &to
        && to < &from
    {
        return Err(format!("effective_to {to} is before effective_from {from}"));
    }
    Ok((from, to))
}

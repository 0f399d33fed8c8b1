//! Push: writing converted resources into the new EHR's FHIR R4 API. Every write is a
//! conditional update on the business identifier (`PUT Patient?identifier=sys|val`), so a
//! retry or a re-run updates the one copy instead of creating a second.

use std::time::Duration;

use serde_json::Value as Json;

/// Resource types in the order the target needs them: what others refer to goes first.
pub const DEPENDENCY_ORDER: [&str; 8] = [
    "Location",
    "Practitioner",
    "Patient",
    "Encounter",
    "Appointment",
    "Observation",
    "DocumentReference",
    "Condition",
];

/// Attempts per resource when the server is busy or unreachable.
const ATTEMPTS: u32 = 3;

/// What the server said about one write.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteOutcome {
    /// 201: no resource had that identifier; one was created.
    Created { server_id: Option<String> },
    /// 200: the resource with that identifier was updated.
    Updated { server_id: Option<String> },
    /// 4xx: the server refused it; `outcome` is its OperationOutcome (or body).
    Rejected { status: u16, outcome: String },
}

/// The server could not be reached (or kept failing) after every attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Unreachable {
    pub reason: String,
}

pub struct FhirClient {
    agent: ureq::Agent,
    base: String,
}

impl FhirClient {
    pub fn new(base: &str) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(30)))
            .http_status_as_error(false)
            .build()
            .into();
        FhirClient {
            agent,
            base: base.trim_end_matches('/').to_string(),
        }
    }

    /// `PUT [base]/[type]?identifier=[system]|[value]` with the resource (without its
    /// local id: the server keeps its own).
    pub fn conditional_update(
        &self,
        resource_type: &str,
        system: &str,
        value: &str,
        resource: &Json,
    ) -> Result<WriteOutcome, Unreachable> {
        let url = format!(
            "{}/{}?identifier={}|{}",
            self.base,
            resource_type,
            encode_query(system),
            encode_query(value)
        );
        let mut body = resource.clone();
        if let Some(obj) = body.as_object_mut() {
            obj.remove("id");
        }
        let body = body.to_string();
        let mut last_reason = String::new();
        for attempt in 1..=ATTEMPTS {
            let result = self
                .agent
                .put(&url)
                .header("Content-Type", "application/fhir+json")
                .header("Accept", "application/fhir+json")
                .send(&body);
            match result {
                Ok(mut resp) => {
                    let status = resp.status().as_u16();
                    let retry_after = resp
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok());
                    let text = resp.body_mut().read_to_string().unwrap_or_default();
                    match status {
                        200 | 201 => {
                            let server_id = serde_json::from_str::<Json>(&text)
                                .ok()
                                .and_then(|j| j["id"].as_str().map(str::to_string));
                            return Ok(if status == 201 {
                                WriteOutcome::Created { server_id }
                            } else {
                                WriteOutcome::Updated { server_id }
                            });
                        }
                        429 | 500..=599 => {
                            last_reason = format!("HTTP {status}");
                            if attempt < ATTEMPTS {
                                backoff(attempt, retry_after);
                            }
                        }
                        _ => {
                            return Ok(WriteOutcome::Rejected {
                                status,
                                outcome: text,
                            });
                        }
                    }
                }
                Err(e) => {
                    last_reason = e.to_string();
                    if attempt < ATTEMPTS {
                        backoff(attempt, None);
                    }
                }
            }
        }
        Err(Unreachable {
            reason: last_reason,
        })
    }
}

fn backoff(attempt: u32, retry_after_secs: Option<u64>) {
    let wait = retry_after_secs
        .map(|s| Duration::from_secs(s.min(60)))
        .unwrap_or_else(|| Duration::from_millis(250 * 2u64.pow(attempt)));
    std::thread::sleep(wait);
}

/// Percent-encode a query parameter value (RFC 3986 unreserved characters, plus `:` and
/// `/`, which are legal in a query and keep URIs readable in server logs).
pub fn encode_query(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The OperationOutcome's diagnostics, shortened: what a person reads in the queue.
pub fn outcome_summary(outcome: &str) -> String {
    let parsed: Option<Json> = serde_json::from_str(outcome).ok();
    let text = parsed
        .as_ref()
        .and_then(|j| j["issue"].as_array())
        .map(|issues| {
            issues
                .iter()
                .filter_map(|i| i["diagnostics"].as_str().or(i["details"]["text"].as_str()))
                .collect::<Vec<_>>()
                .join("; ")
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| outcome.chars().take(200).collect());
    text.chars().take(500).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_encoded() {
        for (input, expected) in [
            ("urn:oid:1.2.3", "urn:oid:1.2.3"),
            ("https://x.org/mrn", "https://x.org/mrn"),
            ("A 1|2&b=c", "A%201%7C2%26b%3Dc"),
            ("Zoë", "Zo%C3%AB"),
        ] {
            assert_eq!(encode_query(input), expected, "input {input:?}");
        }
    }

    #[test]
    fn outcome_summary_reads_diagnostics() {
        let oo = r#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid","details":{"text":"Invalid value"}},{"diagnostics":"gender: bad code"}]}"#;
        assert_eq!(outcome_summary(oo), "Invalid value; gender: bad code");
        assert_eq!(outcome_summary("Bad Gateway"), "Bad Gateway");
    }
}

#pragma once
// Identifiers and secrets from the operating system's random source: job, asset and key
// ids must not be guessable (an id alone never grants access, but a guessable one would
// tell who has how many), and API keys are bearer secrets.

#include <string>

namespace atlas::service {

// `prefix` + 2 * bytes lowercase hex digits from /dev/urandom ("job_3f9a...").
std::string random_id(const std::string& prefix, int bytes = 12);

// True when `id` is `prefix` followed by 1-64 lowercase hex digits: what the API checks
// before an id from a request reaches the store.
bool is_id(const std::string& id, const std::string& prefix);

// The name this process's lease holders (job workers, webhook senders) start with:
// `prefix`, or "<host>:<pid>" when it is empty, then a random part, so that a restarted
// process never takes its predecessor's leases for its own.
std::string lease_owner_prefix(const std::string& prefix);

}  // namespace atlas::service

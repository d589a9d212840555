#pragma once
// libcurl, opened with dlopen on the first HTTP request instead of being linked. Linked,
// it made every start of the atlas executable pay for it: libcurl4 (OpenSSL flavour)
// brings in ~25 more libraries (gnutls, krb5, ldap, ssh2, ...) whose loading, relocation
// and constructors run before main. A trivial C program starts in 13 ms linked with
// -lcurl and in 2 ms without; `atlas --version` went from 24 ms to 12 ms (median of 40)
// and its ldd list from 44 entries to 17. Most commands (convert above all, which races a
// Node tool) never make an HTTP call, so only those that do pay now.
// The header stays the source of the types, constants and function signatures.

#include <curl/curl.h>

#include "core/result.h"

namespace atlas::providers {

// The libcurl functions the HTTP client calls, typed as <curl/curl.h> declares them.
struct CurlLibrary {
  decltype(&::curl_easy_init) easy_init;
  decltype(&::curl_easy_reset) easy_reset;
  decltype(&::curl_easy_cleanup) easy_cleanup;
  decltype(&::curl_easy_setopt) easy_setopt;
  decltype(&::curl_easy_perform) easy_perform;
  decltype(&::curl_easy_getinfo) easy_getinfo;
  decltype(&::curl_easy_strerror) easy_strerror;
  decltype(&::curl_slist_append) slist_append;
  decltype(&::curl_slist_free_all) slist_free_all;
  decltype(&::curl_mime_init) mime_init;
  decltype(&::curl_mime_free) mime_free;
  decltype(&::curl_mime_addpart) mime_addpart;
  decltype(&::curl_mime_name) mime_name;
  decltype(&::curl_mime_data) mime_data;
  decltype(&::curl_mime_filename) mime_filename;
  decltype(&::curl_mime_type) mime_type;
};

// libcurl.so.4, loaded and initialised (curl_global_init) by the first call; every later
// call returns the same library, or the same error when it could not be loaded. It stays
// loaded until the process exits. Thread-safe.
Result<const CurlLibrary*> curl_library();

}  // namespace atlas::providers

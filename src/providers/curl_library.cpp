#include "providers/curl_library.h"

#include <dlfcn.h>

#include <string>
#include <type_traits>

namespace atlas::providers {
namespace {

constexpr const char* kLibraryFile = "libcurl.so.4";

Result<CurlLibrary> load() {
  void* library = dlopen(kLibraryFile, RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char* reason = dlerror();
    return make_error(std::string(kLibraryFile) + " could not be loaded: " +
                      (reason ? reason : "unknown error") + "; install libcurl4");
  }
  const char* missing = nullptr;
  auto resolve = [&](const char* name, auto& function) {
    if (missing) return;
    function = reinterpret_cast<std::remove_reference_t<decltype(function)>>(dlsym(library, name));
    if (!function) missing = name;
  };
  CurlLibrary curl{};
  decltype(&::curl_global_init) global_init = nullptr;
  resolve("curl_global_init", global_init);
  resolve("curl_easy_init", curl.easy_init);
  resolve("curl_easy_reset", curl.easy_reset);
  resolve("curl_easy_cleanup", curl.easy_cleanup);
  resolve("curl_easy_setopt", curl.easy_setopt);
  resolve("curl_easy_perform", curl.easy_perform);
  resolve("curl_easy_getinfo", curl.easy_getinfo);
  resolve("curl_easy_strerror", curl.easy_strerror);
  resolve("curl_slist_append", curl.slist_append);
  resolve("curl_slist_free_all", curl.slist_free_all);
  resolve("curl_mime_init", curl.mime_init);
  resolve("curl_mime_free", curl.mime_free);
  resolve("curl_mime_addpart", curl.mime_addpart);
  resolve("curl_mime_name", curl.mime_name);
  resolve("curl_mime_data", curl.mime_data);
  resolve("curl_mime_filename", curl.mime_filename);
  resolve("curl_mime_type", curl.mime_type);
  if (missing) {
    dlclose(library);
    return make_error(std::string(kLibraryFile) + " lacks " + missing + "; install libcurl4");
  }
  const CURLcode code = global_init(CURL_GLOBAL_DEFAULT);
  if (code != CURLE_OK) {
    std::string reason = curl.easy_strerror(code);
    dlclose(library);
    return make_error("libcurl could not be initialised: " + reason);
  }
  return curl;
}

}  // namespace

Result<const CurlLibrary*> curl_library() {
  // The first caller runs load(); callers arriving meanwhile wait for it to finish. Never
  // destroyed: HTTP clients held by other statics (the provider registry) clean their
  // handles up at exit, after a destructible static here would already be gone.
  static const Result<CurlLibrary>* const loaded = new Result<CurlLibrary>(load());
  if (!*loaded) return loaded->error();
  return &loaded->value();
}

}  // namespace atlas::providers

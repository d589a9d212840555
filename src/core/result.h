#pragma once
// Errors are values: every fallible engine function returns Result<T> (or Status), and
// nothing throws across a layer boundary. An Error's message is complete and meant for
// a person: the outermost layer that knows the file prefixes it with the file's path.

#include <string>
#include <utility>
#include <variant>

namespace atlas {

struct Error {
  std::string message;
};

// Returns an Error whose message is "context: message".
inline Error with_context(const std::string& context, const Error& error) {
  return Error{context + ": " + error.message};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}
  Result(Error error) : state_(std::move(error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // Precondition for the accessors: ok() (value) or !ok() (error).
  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

struct Ok {};
using Status = Result<Ok>;

inline Error make_error(std::string message) { return Error{std::move(message)}; }

}  // namespace atlas

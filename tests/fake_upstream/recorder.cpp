#include "recorder.hpp"

namespace fake {

void Recorder::add(nlohmann::json entry) {
  std::lock_guard lock(mu_);
  entries_.push_back(std::move(entry));
  if (entries_.size() > kMaxEntries) entries_.pop_front();
}

nlohmann::json Recorder::list() const {
  auto out = nlohmann::json::array();
  std::lock_guard lock(mu_);
  for (const auto& e : entries_) out.push_back(e);
  return out;
}

void Recorder::clear() {
  std::lock_guard lock(mu_);
  entries_.clear();
}

Recorder& recorder() {
  static Recorder r;
  return r;
}

}  // namespace fake

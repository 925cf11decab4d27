// An answer or chunk on its way to the client, as the pipeline's stages see it. Reading is
// free; edit() hands out a copy to change and drops the provider's raw bytes from it, so a
// stage's change always reaches the client: the server forwards an upstream's own text only
// while no stage has asked to change it.
#pragma once

#include <optional>

namespace gw::api {

template <class T>  // ChatResponse or ChatChunk: anything with a `raw` text
class Editable {
 public:
  explicit Editable(const T& original) : original_(&original) {}

  const T& get() const { return edited_ ? *edited_ : *original_; }
  T& edit() {
    if (!edited_) {
      edited_.emplace(*original_);
      edited_->raw.clear();  // the upstream's text no longer says what this value says
    }
    return *edited_;
  }
  bool edited() const { return edited_.has_value(); }

 private:
  const T* original_;
  std::optional<T> edited_;
};

}  // namespace gw::api

// Service-account JWT signing (RSASSA-PKCS1-v1_5 with SHA-256, EVP_DigestSign) and the token
// exchange. Every OpenSSL handle is owned by a unique_ptr; OpenSSL's thread-local error queue
// is cleared after a failure so later TLS work does not read a stale error.
#include "providers/google_auth.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "api/json_codec.hpp"
#include "providers/http_provider.hpp"

namespace gw::providers::google {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

// No passphrase prompt on a terminal for an encrypted key: it simply fails to load.
int no_passphrase(char*, int, int, void*) {
  return 0;
}

Error bad_key(const config::CloudConfig& sa, const std::string& why) {
  ERR_clear_error();
  std::string file = sa.credentials_file.empty() ? "the service-account key" : sa.credentials_file;
  return Error::config("vertex credentials " + file + ": " + why, 502, "invalid_credentials");
}

// The form encoding of a JWT: its alphabet is [A-Za-z0-9_-.], which needs no escaping.
constexpr std::string_view kFormGrant = "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer";

}  // namespace

std::string base64url(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  auto byte = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(v >> s) & 63]);
  }
  if (size_t rest = bytes.size() - i; rest > 0) {
    uint32_t v = byte(i) << 16 | (rest == 2 ? byte(i + 1) << 8 : 0);
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    if (rest == 2) out.push_back(kAlphabet[(v >> 6) & 63]);
  }
  return out;
}

Result<std::string> sign_jwt(const config::CloudConfig& sa, int64_t now) {
  if (sa.sa_private_key.empty() || sa.sa_email.empty())
    return fail(bad_key(sa, "no client_email or private_key"));
  api::Json header = {{"alg", "RS256"}, {"typ", "JWT"}};
  if (!sa.sa_key_id.empty()) header["kid"] = sa.sa_key_id;
  api::Json claims = {{"iss", sa.sa_email},
                      {"scope", kCloudPlatformScope},
                      {"aud", sa.sa_token_uri},
                      {"iat", now},
                      {"exp", now + kJwtLifetimeS}};
  std::string signing_input = base64url(api::dump(header)) + "." + base64url(api::dump(claims));

  std::unique_ptr<BIO, BioFree> bio(
      BIO_new_mem_buf(sa.sa_private_key.data(), static_cast<int>(sa.sa_private_key.size())));
  if (!bio) return fail(bad_key(sa, "out of memory reading the key"));
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!key) return fail(bad_key(sa, "private_key is not a readable PEM private key"));
  if (EVP_PKEY_base_id(key.get()) != EVP_PKEY_RSA)
    return fail(bad_key(sa, "private_key is not an RSA key (RS256 needs one)"));
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  size_t sig_len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &sig_len,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1)
    return fail(bad_key(sa, "signing failed"));
  std::string sig(sig_len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &sig_len,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1)
    return fail(bad_key(sa, "signing failed"));
  sig.resize(sig_len);
  return signing_input + "." + base64url(sig);
}

std::string token_request_body(std::string_view jwt) {
  return "grant_type=" + std::string(kFormGrant) + "&assertion=" + std::string(jwt);
}

Result<AccessToken> parse_token_response(int status, std::string_view body,
                                         std::string_view provider) {
  api::Json j = api::parse_json_bounded(body);
  std::string who = std::string(provider) + ": the Google token endpoint";
  if (status < 200 || status >= 300) {
    // {"error":"invalid_grant","error_description":"Invalid JWT Signature."}: short, fixed
    // texts; cut anyway, they reach clients.
    std::string why = api::str_or(j, "error");
    std::string desc = api::str_or(j, "error_description");
    if (desc.size() > 200) desc.resize(200);
    std::string msg = who + " answered HTTP " + std::to_string(status);
    if (!why.empty()) msg += " (" + why + (desc.empty() ? "" : ": " + desc) + ")";
    if (status == 400 || status == 401 || status == 403)
      return fail(Error::upstream(502, msg + ": check the service-account key and its roles",
                                  "upstream_auth_error"));
    return fail(Error::upstream(status == 429 ? 503 : 502, msg, "upstream_auth_error"));
  }
  AccessToken t;
  t.token = api::str_or(j, "access_token");
  if (j.is_object())
    if (auto it = j.find("expires_in"); it != j.end()) {  // a number, or a string of one
      double s = it->is_number()   ? it->get<double>()
                 : it->is_string() ? std::atof(it->get<std::string>().c_str())
                                   : 0;
      if (s >= 1 && s <= 86400) t.expires_in_s = static_cast<int64_t>(s);
    }
  if (t.token.empty() || t.expires_in_s <= 0)
    return fail(Error::upstream(502, who + " answered no access_token and expires_in",
                                "bad_upstream_response"));
  return t;
}

double refresh_margin_s(double lifetime_s) {
  return std::min(300.0, lifetime_s / 2);
}

Result<AccessToken> TokenCache::fetch(const config::ProviderConfig& p) {
  const auto& c = p.cloud;
  auto jwt = sign_jwt(c, std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count());
  if (!jwt) return fail(jwt.error());
  net::Url url;
  if (!net::parse_url(c.token_url, url))
    return fail(Error::config(p.name + ": invalid token_url", 502, "invalid_credentials"));
  std::string path = url.path.empty() ? "/" : url.path;  // its query (tests) included
  url.path.clear();
  net::Headers headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                          {"Accept", "application/json"}};
  net::UpstreamHead head;
  std::string body;
  constexpr size_t kMaxTokenAnswer = 64 * 1024;
  auto sent = pool_.post(
      url, path, headers, token_request_body(*jwt), {p.connect_timeout_s, 30, 60},
      [&](const net::UpstreamHead& h) { head.status = h.status; },
      [&](const char* data, size_t len) {
        if (body.size() + len > kMaxTokenAnswer) return false;
        body.append(data, len);
        return true;
      });
  if (!sent) return fail(transport_error(sent.error(), p.name + " token endpoint", url));
  return parse_token_response(head.status, body, p.name);
}

Result<std::string> TokenCache::token(const config::ProviderConfig& p) {
  const auto& c = p.cloud;
  if (c.bearer) {
    if (p.api_key.empty())
      return fail(Error::config(p.name + ": no access token (set " + p.api_key_env + ")", 502,
                                "missing_api_key"));
    return p.api_key;
  }
  if (c.sa_private_key.empty())
    return fail(Error::config(p.name + ": no Google credentials (set credentials_file, "
                                       "GOOGLE_APPLICATION_CREDENTIALS or access_token_env)",
                              502, "missing_api_key"));
  std::string key = p.name + '\n' + c.sa_email + '\n' + c.sa_key_id + '\n' + c.token_url;
  std::string still_valid;
  {
    std::lock_guard lock(mu_);
    auto now = Clock::now();
    Entry& e = cache_[key];
    if (!e.token.empty() && now < e.refresh_at) return e.token;
    if (!e.token.empty() && now < e.expires_at) {
      if (e.fetching) return e.token;  // another request is renewing it
      still_valid = e.token;
    }
    e.fetching = true;
  }
  auto asked = Clock::now();  // the token's lifetime counts from before the request
  auto fetched = fetch(p);
  std::lock_guard lock(mu_);
  Entry& e = cache_[key];
  e.fetching = false;
  if (!fetched) {
    if (!still_valid.empty()) return still_valid;  // renew again on the next request
    return fail(fetched.error());
  }
  auto lifetime = static_cast<double>(fetched->expires_in_s);
  e.token = fetched->token;
  e.expires_at = asked + std::chrono::milliseconds(static_cast<int64_t>(lifetime * 1000));
  e.refresh_at = e.expires_at -
                 std::chrono::milliseconds(static_cast<int64_t>(refresh_margin_s(lifetime) * 1000));
  return e.token;
}

}  // namespace gw::providers::google

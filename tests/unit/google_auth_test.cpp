// The Vertex service-account token: the RS256 JWT gw signs is verified here with OpenSSL
// against the public half of the committed test key (tests/fixtures/), claim by claim; the
// token endpoint's answers; the key file read at config load.
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include "config/config.hpp"
#include "fixtures.hpp"
#include "providers/google_auth.hpp"

namespace {

using gw::providers::google::base64url;
using gw::providers::google::parse_token_response;
using gw::providers::google::refresh_margin_s;
using gw::providers::google::sign_jwt;

const std::filesystem::path kFixtures =
    std::filesystem::path(__FILE__).parent_path().parent_path() / "fixtures";
const std::string kKeyFile = (kFixtures / "vertex_test_service_account.json").string();

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string unbase64url(std::string_view in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = c >= 'A' && c <= 'Z'   ? c - 'A'
            : c >= 'a' && c <= 'z' ? c - 'a' + 26
            : c >= '0' && c <= '9' ? c - '0' + 52
            : c == '-'             ? 62
                                   : 63;
    REQUIRE((c == '_' || v != 63));
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

// RS256 verification with the committed public key, as Google's token endpoint does it.
bool verifies(std::string_view signing_input, const std::string& sig) {
  std::string pem = read_file(kFixtures / "vertex_test_key.pub.pem");
  REQUIRE(pem.find("BEGIN PUBLIC KEY") != std::string::npos);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  REQUIRE(key);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  REQUIRE(EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1);
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(signing_input.data()),
                          signing_input.size()) == 1;
}

gw::config::ProviderConfig vertex_from_key(const std::string& key_file) {
  auto c = gw::config::parse_config(
      "[providers.vx]\nkind = \"vertex\"\ncredentials_file = \"" + key_file + "\"\n", "test.toml");
  REQUIRE_MESSAGE(c.has_value(), (c ? "" : c.error().message));
  return c->providers.at("vx");
}

// A token endpoint on 127.0.0.1: each connection gets the next canned reply, then is closed.
class TokenServer {
 public:
  explicit TokenServer(std::vector<std::string> replies) {
    auto l = gw::test::listen_on("127.0.0.1", 8);
    fd_ = l.fd;
    port_ = l.port;
    thread_ = std::thread([this, replies = std::move(replies)] {
      for (const auto& reply : replies) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 5000) != 1) return;
        int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        std::string req;
        char buf[4096];
        for (;;) {  // the head, then Content-Length bytes of body
          auto end = req.find("\r\n\r\n");
          auto cl = req.find("Content-Length: ");
          if (end != std::string::npos && cl != std::string::npos &&
              req.size() >= end + 4 + std::stoul(req.substr(cl + 16)))
            break;
          pollfd r{c, POLLIN, 0};
          if (::poll(&r, 1, 5000) != 1) break;
          ssize_t n = ::read(c, buf, sizeof buf);
          if (n <= 0) break;
          req.append(buf, static_cast<size_t>(n));
        }
        {
          std::lock_guard lock(mu_);
          requests_.push_back(req);
        }
        (void)!::write(c, reply.data(), reply.size());
        ::close(c);
      }
    });
  }
  ~TokenServer() {
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/oauth2/token?t=1";
  }
  std::vector<std::string> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  int fd_ = -1, port_ = 0;
  std::mutex mu_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

std::string reply(int status, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) +
         " X\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace

TEST_CASE("TokenCache: one exchange at the token endpoint, the token reused while fresh") {
  TokenServer server({reply(200, R"({"access_token":"ya29.first","expires_in":3599})")});
  auto p = vertex_from_key(kKeyFile);
  p.cloud.token_url = server.url();
  gw::net::UpstreamPool pool;
  gw::providers::google::TokenCache cache(pool);
  auto a = cache.token(p);
  REQUIRE_MESSAGE(a.has_value(), (a ? "" : a.error().message));
  CHECK(*a == "ya29.first");
  auto b = cache.token(p);
  REQUIRE(b.has_value());
  CHECK(*b == "ya29.first");
  auto seen = server.requests();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].starts_with("POST /oauth2/token?t=1 HTTP/1.1\r\n"));
  CHECK(seen[0].find("Content-Type: application/x-www-form-urlencoded\r\n") != std::string::npos);
  auto body = seen[0].substr(seen[0].find("\r\n\r\n") + 4);
  CHECK(body.starts_with(
      "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=eyJ"));
}

TEST_CASE("TokenCache: renewed before expiry; a failed renewal keeps the still-valid token") {
  TokenServer server({reply(200, R"({"access_token":"ya29.short","expires_in":6})"),
                      reply(503, R"({"error":"backend_error"})"),
                      reply(200, R"({"access_token":"ya29.next","expires_in":"3599"})")});
  auto p = vertex_from_key(kKeyFile);
  p.cloud.token_url = server.url();
  gw::net::UpstreamPool pool;
  gw::providers::google::TokenCache cache(pool);
  REQUIRE(cache.token(p).value_or("") == "ya29.short");
  std::this_thread::sleep_for(std::chrono::milliseconds(3100));  // past the 3 s margin
  CHECK(cache.token(p).value_or("") == "ya29.short");            // the renewal failed: kept
  CHECK(cache.token(p).value_or("") == "ya29.next");             // renewed on the next request
  CHECK(server.requests().size() == 3);
}

TEST_CASE("TokenCache: a refused key is an upstream_auth_error without the JWT in it") {
  TokenServer server(
      {reply(400, R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})")});
  auto p = vertex_from_key(kKeyFile);
  p.cloud.token_url = server.url();
  gw::net::UpstreamPool pool;
  gw::providers::google::TokenCache cache(pool);
  auto r = cache.token(p);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().status == 502);
  CHECK(r.error().code == "upstream_auth_error");
  CHECK(r.error().message ==
        "vx: the Google token endpoint answered HTTP 400 (invalid_grant: Invalid JWT "
        "Signature.): check the service-account key and its roles");
}

TEST_CASE("base64url: RFC 4648 §10 vectors, the URL alphabet, no padding") {
  CHECK(base64url("") == "");
  CHECK(base64url("f") == "Zg");
  CHECK(base64url("fo") == "Zm8");
  CHECK(base64url("foo") == "Zm9v");
  CHECK(base64url("foob") == "Zm9vYg");
  CHECK(base64url("fooba") == "Zm9vYmE");
  CHECK(base64url("foobar") == "Zm9vYmFy");
  CHECK(base64url("\xfb\xff") == "-_8");
}

TEST_CASE("the service-account key file is read at config load") {
  auto p = vertex_from_key(kKeyFile);
  CHECK(p.cloud.sa_email == "gw-test@gw-test-project.iam.gserviceaccount.com");
  CHECK(p.cloud.sa_key_id == "test-key-not-a-secret-0001");
  CHECK(p.cloud.sa_token_uri == "https://oauth2.googleapis.com/token");
  CHECK(p.cloud.token_url == "https://oauth2.googleapis.com/token");
  CHECK(p.cloud.project == "gw-test-project");  // the key's project_id
  CHECK(p.cloud.location == "us-central1");
  CHECK(p.base_url == "https://us-central1-aiplatform.googleapis.com");
  CHECK(p.cloud.sa_private_key.starts_with("-----BEGIN PRIVATE KEY-----"));
  // `gw config show` never prints it.
  auto c = gw::config::parse_config(
      "[providers.vx]\nkind = \"vertex\"\ncredentials_file = \"" + kKeyFile + "\"\n", "t.toml");
  REQUIRE(c.has_value());
  std::string shown = gw::config::render_config(*c);
  CHECK(shown.find("PRIVATE KEY") == std::string::npos);
  CHECK(shown.find("credentials_file = \"" + kKeyFile + "\"") != std::string::npos);
}

TEST_CASE(
    "sign_jwt: an RS256 JWT that OpenSSL verifies with the public key, claims as Google wants") {
  auto p = vertex_from_key(kKeyFile);
  const int64_t now = 1'760'000'000;
  auto jwt = sign_jwt(p.cloud, now);
  REQUIRE_MESSAGE(jwt.has_value(), (jwt ? "" : jwt.error().message));
  auto d1 = jwt->find('.'), d2 = jwt->rfind('.');
  REQUIRE(d1 != std::string::npos);
  REQUIRE(d2 > d1);
  CHECK(jwt->find_first_of("=+/") == std::string::npos);  // base64url, unpadded

  auto header = gw::api::Json::parse(unbase64url(jwt->substr(0, d1)));
  CHECK(header ==
        gw::api::Json{{"alg", "RS256"}, {"typ", "JWT"}, {"kid", "test-key-not-a-secret-0001"}});
  auto claims = gw::api::Json::parse(unbase64url(jwt->substr(d1 + 1, d2 - d1 - 1)));
  CHECK(claims["iss"] == "gw-test@gw-test-project.iam.gserviceaccount.com");
  CHECK(claims["scope"] == "https://www.googleapis.com/auth/cloud-platform");
  CHECK(claims["aud"] == "https://oauth2.googleapis.com/token");
  CHECK(claims["iat"] == now);
  CHECK(claims["exp"] == now + 3600);
  CHECK(claims.size() == 5);

  std::string sig = unbase64url(jwt->substr(d2 + 1));
  CHECK(sig.size() == 256);  // RSA-2048
  CHECK(verifies(std::string_view(*jwt).substr(0, d2), sig));
  // Any change to what was signed breaks it.
  std::string tampered = jwt->substr(0, d2);
  tampered[d1 + 5] = tampered[d1 + 5] == 'A' ? 'B' : 'A';
  CHECK_FALSE(verifies(tampered, sig));
  // The token_url setting moves the request, not the audience Google checks.
  auto moved = gw::config::parse_config("[providers.vx]\nkind = \"vertex\"\ncredentials_file = \"" +
                                            kKeyFile +
                                            "\"\ntoken_url = \"http://127.0.0.1:9/oauth2/token\"\n",
                                        "t.toml");
  REQUIRE(moved.has_value());
  const auto& mc = moved->providers.at("vx").cloud;
  CHECK(mc.token_url == "http://127.0.0.1:9/oauth2/token");
  auto jwt2 = sign_jwt(mc, now);
  REQUIRE(jwt2.has_value());
  CHECK(*jwt2 == *jwt);  // same claims, and PKCS#1 v1.5 signatures are deterministic
}

TEST_CASE("sign_jwt: an unreadable key is a config error that shows no key material") {
  auto p = vertex_from_key(kKeyFile);
  auto cloud = p.cloud;
  cloud.sa_private_key =
      "-----BEGIN PRIVATE KEY-----\nTUlJQ2VnSUJBREFOQmdrcWhraUc5dzBC\n-----END PRIVATE KEY-----\n";
  auto r = sign_jwt(cloud, 1);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().type == "config_error");
  CHECK(r.error().exit == gw::exit_code::kConfig);
  CHECK(r.error().message.find(kKeyFile) != std::string::npos);
  CHECK(r.error().message.find("TUlJQ2VnSUJBREFOQmdrcWhraUc5dzBC") == std::string::npos);
}

TEST_CASE("bad credentials files are config errors naming the file") {
  gw::test::TempDir dir("gw-sa-");
  auto write = [&](const char* name, const std::string& text) {
    std::string path = dir.path + "/" + name;
    std::ofstream(path) << text;
    return path;
  };
  auto load = [&](const std::string& path) {
    return gw::config::parse_config(
        "[providers.vx]\nkind = \"vertex\"\nproject = \"p\"\ncredentials_file = \"" + path + "\"\n",
        "t.toml");
  };
  struct Case {
    std::string path, want;
  };
  std::vector<Case> cases = {
      {dir.path + "/absent.json", "cannot be read"},
      {write("text.json", "not json"), "is not JSON"},
      {write("user.json", R"({"type":"authorized_user","client_id":"x","refresh_token":"r"})"),
       "holds a 'authorized_user' credential"},
      {write("nokey.json", R"({"type":"service_account","client_email":"a@b"})"),
       "no PEM private_key"},
      {write("noemail.json", R"({"type":"service_account","private_key":"-----BEGIN X"})"),
       "no client_email"},
  };
  for (const auto& c : cases) {
    auto r = load(c.path);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().type == "config_error");
    CHECK_MESSAGE(r.error().message.find(c.want) != std::string::npos, r.error().message);
    CHECK(r.error().message.find(c.path) != std::string::npos);
    CHECK(r.error().message.find("refresh_token") == std::string::npos);
  }
}

TEST_CASE("the token endpoint's answers") {
  auto ok = parse_token_response(
      200, R"({"access_token":"ya29.x","expires_in":3599,"token_type":"Bearer"})", "vx");
  REQUIRE(ok.has_value());
  CHECK(ok->token == "ya29.x");
  CHECK(ok->expires_in_s == 3599);
  auto str = parse_token_response(200, R"({"access_token":"t","expires_in":"120"})", "vx");
  REQUIRE(str.has_value());
  CHECK(str->expires_in_s == 120);

  auto refused = parse_token_response(
      400, R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})", "vx");
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().status == 502);
  CHECK(refused.error().code == "upstream_auth_error");
  CHECK(refused.error().message.find("invalid_grant: Invalid JWT Signature.") != std::string::npos);
  CHECK(refused.error().message.starts_with("vx: "));

  for (auto body : {R"({"expires_in":10})", R"({"access_token":"t"})", "nonsense",
                    R"({"access_token":"t","expires_in":1e300})"}) {
    auto r = parse_token_response(200, body, "vx");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == "bad_upstream_response");
  }
}

TEST_CASE("tokens are renewed 5 minutes early, short-lived ones at half their life") {
  CHECK(refresh_margin_s(3599) == 300);
  CHECK(refresh_margin_s(3600) == 300);
  CHECK(refresh_margin_s(4) == 2);
}

TEST_CASE("TokenCache: a configured token is used as is; no credentials is a clear error") {
  gw::net::UpstreamPool pool;
  gw::providers::google::TokenCache cache(pool);
  gw::config::ProviderConfig p;
  p.name = "vx";
  p.kind = "vertex";
  p.cloud.bearer = true;
  p.api_key_env = "VX_TOKEN";
  p.api_key = "ya29.outside";
  auto t = cache.token(p);
  REQUIRE(t.has_value());
  CHECK(*t == "ya29.outside");
  p.api_key.clear();
  auto none = cache.token(p);
  REQUIRE_FALSE(none.has_value());
  CHECK(none.error().message == "vx: no access token (set VX_TOKEN)");
  p.cloud.bearer = false;
  auto nokey = cache.token(p);
  REQUIRE_FALSE(nokey.has_value());
  CHECK(nokey.error().code == "missing_api_key");
  CHECK(nokey.error().message.find("GOOGLE_APPLICATION_CREDENTIALS") != std::string::npos);
}

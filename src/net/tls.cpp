#include "net/tls.hpp"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace gw::net {
namespace {

// OpenSSL's own socket BIO writes with write(): a peer that hung up would raise SIGPIPE and
// kill `gw chat`. This BIO sends with MSG_NOSIGNAL and otherwise behaves the same.
int fd_of(BIO* b) {
  return static_cast<int>(reinterpret_cast<intptr_t>(BIO_get_data(b)));
}

int bio_write(BIO* b, const char* data, int len) {
  BIO_clear_retry_flags(b);
  ssize_t n = ::send(fd_of(b), data, static_cast<size_t>(len), MSG_NOSIGNAL);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) BIO_set_retry_write(b);
  return static_cast<int>(n);
}

int bio_read(BIO* b, char* buf, int len) {
  BIO_clear_retry_flags(b);
  ssize_t n = ::recv(fd_of(b), buf, static_cast<size_t>(len), 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) BIO_set_retry_read(b);
  return static_cast<int>(n);
}

long bio_ctrl(BIO*, int cmd, long, void*) {
  return cmd == BIO_CTRL_FLUSH ? 1 : 0;  // nothing is buffered here
}

int bio_create(BIO* b) {
  BIO_set_init(b, 1);
  return 1;
}

// The process's one client context, made on the first handshake (not before: initialising
// OpenSSL touches memory an idle plain-HTTP gateway need not pay for).
struct Context {
  SSL_CTX* ctx = nullptr;
  BIO_METHOD* bio = nullptr;
  std::string error;  // why ctx could not be made

  Context() {
    ctx = SSL_CTX_new(TLS_client_method());
    bio = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "gw-socket");
    if (!ctx || !bio) {
      error = "cannot create a TLS context";
      return;
    }
    BIO_meth_set_write(bio, bio_write);
    BIO_meth_set_read(bio, bio_read);
    BIO_meth_set_ctrl(bio, bio_ctrl);
    BIO_meth_set_create(bio, bio_create);
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    // Honours SSL_CERT_FILE / SSL_CERT_DIR, else the system store (ca-certificates).
    if (SSL_CTX_set_default_verify_paths(ctx) != 1) error = "cannot load the system CA store";
    // Servers often close without close_notify; HTTP framing detects truncation itself.
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    // Partial writes let write_all loop like a socket's; idle pooled connections give their
    // 34 KiB of record buffers back.
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_RELEASE_BUFFERS);
    static constexpr unsigned char kAlpn[] = "\x08http/1.1";
    SSL_CTX_set_alpn_protos(ctx, kAlpn, sizeof kAlpn - 1);
  }
  ~Context() {
    SSL_CTX_free(ctx);
    BIO_meth_free(bio);
  }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
};

const Context& context() {
  static const Context c;  // thread-safe lazy init
  return c;
}

bool is_ip_literal(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// The reason for the last failed call, from the verify result or OpenSSL's error queue.
std::string ssl_failure(SSL* ssl, int ssl_error, int saved_errno) {
  long verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK)
    return std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
  if (unsigned long e = ERR_peek_last_error()) {
    const char* reason = ERR_reason_error_string(e);
    return reason ? reason : "TLS error " + std::to_string(e);
  }
  if (ssl_error == SSL_ERROR_SYSCALL)
    return saved_errno ? std::strerror(saved_errno) : "connection closed by the peer";
  return "TLS error " + std::to_string(ssl_error);
}

}  // namespace

void TlsStream::SslFree::operator()(ssl_st* ssl) const {
  SSL_free(ssl);
}

TlsStream::~TlsStream() = default;

std::expected<TlsStream, TlsError> TlsStream::handshake(Socket sock, const std::string& host,
                                                        Deadline d) {
  const Context& c = context();
  if (!c.error.empty()) return std::unexpected(TlsError{false, c.error});
  std::unique_ptr<ssl_st, SslFree> ssl(SSL_new(c.ctx));
  BIO* bio = ssl ? BIO_new(c.bio) : nullptr;
  if (!bio) return std::unexpected(TlsError{false, "out of memory for TLS"});
  BIO_set_data(bio, reinterpret_cast<void*>(static_cast<intptr_t>(sock.fd())));
  SSL_set_bio(ssl.get(), bio, bio);  // the SSL owns the BIO now
  if (is_ip_literal(host)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl.get()), host.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl.get(), host.c_str());  // SNI
    SSL_set1_host(ssl.get(), host.c_str());
  }
  SSL_set_connect_state(ssl.get());
  TlsStream s(std::move(sock), std::move(ssl));
  for (;;) {
    ERR_clear_error();
    int r = SSL_connect(s.ssl_.get());
    if (r == 1) return s;
    int saved_errno = errno;
    int e = SSL_get_error(s.ssl_.get(), r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      int err = 0;
      if (s.wait_for(e, d, err)) continue;
      if (err == ETIMEDOUT) return std::unexpected(TlsError{true, "TLS handshake timed out"});
      return std::unexpected(TlsError{false, std::strerror(err)});
    }
    return std::unexpected(TlsError{false, ssl_failure(s.ssl_.get(), e, saved_errno)});
  }
}

bool TlsStream::wait_for(int ssl_error, Deadline d, int& err) {
  switch (sock_.wait(ssl_error == SSL_ERROR_WANT_WRITE ? Want::write : Want::read, d)) {
    case Ready::yes:
      return true;
    case Ready::timeout:
      err = ETIMEDOUT;
      return false;
    case Ready::cancelled:
      err = ECANCELED;
      return false;
  }
  return false;
}

ssize_t TlsStream::read_some(char* buf, size_t cap, Deadline d, int& err) {
  for (;;) {
    ERR_clear_error();
    size_t n = 0;
    if (SSL_read_ex(ssl_.get(), buf, cap, &n) == 1) return static_cast<ssize_t>(n);
    int saved_errno = errno;
    int e = SSL_get_error(ssl_.get(), 0);
    if (e == SSL_ERROR_ZERO_RETURN) return 0;
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      if (wait_for(e, d, err)) continue;
      return -1;
    }
    if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
      if (saved_errno == 0) return 0;  // EOF without close_notify
      err = saved_errno;
      return -1;
    }
    last_error_ = ssl_failure(ssl_.get(), e, saved_errno);
    err = EPROTO;
    return -1;
  }
}

bool TlsStream::write_all(std::string_view data, Deadline d, int& err) {
  while (!data.empty()) {
    ERR_clear_error();
    size_t n = 0;
    if (SSL_write_ex(ssl_.get(), data.data(), data.size(), &n) == 1) {
      data.remove_prefix(n);
      continue;
    }
    int saved_errno = errno;
    int e = SSL_get_error(ssl_.get(), 0);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      if (wait_for(e, d, err)) continue;
      return false;
    }
    if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
      err = saved_errno ? saved_errno : EPIPE;
      return false;
    }
    last_error_ = ssl_failure(ssl_.get(), e, saved_errno);
    err = EPROTO;
    return false;
  }
  return true;
}

bool TlsStream::peer_closed_or_readable() {
  if (SSL_has_pending(ssl_.get())) return true;
  if (!sock_.peer_closed_or_readable()) return false;
  // TLS 1.3 session tickets may arrive after the response: reading them leaves no
  // application data (WANT_READ), and the connection is still good.
  ERR_clear_error();
  char c;
  size_t n = 0;
  if (SSL_peek_ex(ssl_.get(), &c, 1, &n) == 1) return true;
  return SSL_get_error(ssl_.get(), 0) != SSL_ERROR_WANT_READ;
}

}  // namespace gw::net

#include "status/http_server.h"

#include <chrono>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "common/log.h"
#include "status/routes.h"
#include "store/store.h"

namespace alur::status {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// Every route is a GET without a body, so requests are small.
constexpr std::size_t kMaxHeaderBytes = 8 * 1024;
constexpr std::size_t kMaxBodyBytes = 8 * 1024;
// Time a client has to send its request, and then to read the reply.
constexpr std::chrono::seconds kReadTimeout(10);
constexpr std::chrono::seconds kWriteTimeout(30);

}  // namespace

struct HttpServer::State {
  State(asio::io_context& io, const config::Config& c) : acceptor(io), config(c) {}

  // Returns the read-only connection, opening it on first use or after an error.
  Result<store::Store*> store() {
    if (!connection) {
      auto opened = store::Store::openReadOnly(config.databasePath());
      if (!opened) {
        return opened.status();
      }
      connection = std::move(*opened);
    }
    return connection.get();
  }

  tcp::acceptor acceptor;
  config::Config config;
  std::unique_ptr<store::Store> connection;
  bool stopped = false;
};

namespace {

Reply answer(HttpServer::State& state, const http::request<http::string_body>& request) {
  auto store = state.store();
  if (!store) {
    return errorReply(503, "cannot open the database: " + store.message());
  }
  std::string method(request.method_string());
  std::string target(request.target());
  try {
    return routeRequest(method, target, state.config, **store);
  } catch (const std::exception& e) {
    state.connection.reset();
    logger("status")->error("request failed method={} target=\"{}\" error=\"{}\"", method, target,
                            e.what());
    return errorReply(500, "internal error");
  }
}

// Returns the reply for a request that could not be read, or nothing when the connection is
// simply closed (client gone, timeout).
std::optional<Reply> replyToReadError(const beast::error_code& ec) {
  if (ec == http::error::header_limit || ec == http::error::body_limit ||
      ec == http::error::buffer_overflow) {
    return errorReply(413, "request too large");
  }
  beast::error_code end_of_stream = http::error::end_of_stream;
  bool parse_error = ec.category() == end_of_stream.category() && ec != end_of_stream &&
                     ec != http::error::partial_message;
  if (parse_error) {
    return errorReply(400, "malformed request");
  }
  return std::nullopt;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<HttpServer::State> state)
      : stream_(std::move(socket)),
        buffer_(kMaxHeaderBytes + kMaxBodyBytes),
        state_(std::move(state)) {}

  void run() {
    parser_.emplace();
    parser_->header_limit(kMaxHeaderBytes);
    parser_->body_limit(kMaxBodyBytes);
    stream_.expires_after(kReadTimeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->onRead(ec); });
  }

 private:
  void onRead(const beast::error_code& ec) {
    if (ec) {
      std::optional<Reply> reply = replyToReadError(ec);
      logger("status")->debug("request not read error=\"{}\"", ec.message());
      if (reply) {
        send(*reply);
      }
      return;
    }
    const auto& request = parser_->get();
    Reply reply = answer(*state_, request);
    logger("status")->debug("request method={} target=\"{}\" status={}",
                            std::string(request.method_string()), std::string(request.target()),
                            reply.status);
    send(reply);
  }

  void send(const Reply& reply) {
    response_.result(reply.status);
    response_.version(11);
    response_.set(http::field::server, "alur-relay");
    response_.set(http::field::content_type, reply.content_type);
    response_.set(http::field::cache_control, "no-store");
    response_.set("X-Content-Type-Options", "nosniff");
    for (const auto& [name, value] : reply.headers) {
      response_.set(name, value);
    }
    response_.body() = reply.body;
    response_.keep_alive(false);
    response_.prepare_payload();
    stream_.expires_after(kWriteTimeout);
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code, std::size_t) {
                        beast::error_code ignored;
                        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
                      });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  std::shared_ptr<HttpServer::State> state_;
};

void accept(const std::shared_ptr<HttpServer::State>& state) {
  state->acceptor.async_accept([state](beast::error_code ec, tcp::socket socket) {
    if (state->stopped) {
      return;
    }
    if (ec) {
      logger("status")->warn("accept failed error=\"{}\"", ec.message());
    } else {
      std::make_shared<Session>(std::move(socket), state)->run();
    }
    accept(state);
  });
}

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::start(asio::io_context& io,
                                                      const config::Config& config) {
  auto state = std::make_shared<State>(io, config);
  beast::error_code ec;
  auto address = asio::ip::make_address(config.status.listen_address, ec);
  if (ec) {
    return Status::Error("status.listen_address = " + config.status.listen_address +
                         " is not an IP address");
  }
  tcp::endpoint endpoint(address, static_cast<unsigned short>(config.status.port));
  state->acceptor.open(endpoint.protocol(), ec);
  if (!ec) {
    state->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    state->acceptor.bind(endpoint, ec);
  }
  if (!ec) {
    state->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return Status::Error("cannot listen on " + config.status.listen_address + " port " +
                         std::to_string(config.status.port) + " (" + ec.message() +
                         "); choose another status.port, or 0 to turn the endpoint off");
  }
  accept(state);
  return std::unique_ptr<HttpServer>(new HttpServer(state));
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::setConfig(const config::Config& config) { state_->config = config; }

void HttpServer::stop() {
  if (state_->stopped) {
    return;
  }
  state_->stopped = true;
  beast::error_code ignored;
  state_->acceptor.close(ignored);
}

std::string HttpServer::endpoint() const {
  beast::error_code ec;
  auto local = state_->acceptor.local_endpoint(ec);
  if (ec) {
    return "(closed)";
  }
  std::string address = local.address().to_string();
  if (local.address().is_v6()) {
    address = "[" + address + "]";
  }
  return address + ":" + std::to_string(local.port());
}

}  // namespace alur::status

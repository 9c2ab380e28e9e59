// The local status endpoint: an HTTP/1.1 server (Boost.Beast) on the service's main
// io_context. It reads the database through its own read-only connection, so it never waits
// for the worker thread, and answers one request per connection.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "common/status.h"
#include "config/config.h"

namespace alur::status {

class HttpServer {
 public:
  // Binds config.status.listen_address:port and starts accepting on `io`. The database must
  // exist. Returns an error when the address cannot be bound.
  static Result<std::unique_ptr<HttpServer>> start(boost::asio::io_context& io,
                                                   const config::Config& config);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Replaces the configuration that the routes read, e.g. the /health thresholds after a
  // reload. Call on the io_context's thread.
  void setConfig(const config::Config& config);
  // Stops accepting; connections in progress end at their timeout at the latest.
  void stop();
  // The bound address and port, e.g. "127.0.0.1:8470".
  std::string endpoint() const;

  struct State;

 private:
  explicit HttpServer(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

}  // namespace alur::status

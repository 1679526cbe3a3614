# Evaluates many Kamal apps' secrets files with real, unmodified Kamal and dotenv,
# loaded once. For each request it does what `kamal secrets print` does
# (KAMAL.config.secrets.to_h), in the app's directory, under the given environment,
# and answers with the secrets or with the exception that aborts Kamal.
#
#   ruby -I DOTENV/lib -I KAMAL/lib kamal-driver.rb 3<requests 4>replies
#
# Requests come on fd 3 and replies go to fd 4, one JSON object per line, so that no
# command a secrets file runs can read a request or write into a reply:
#   request: {"app": "/abs/dir", "destination": null | "staging", "env": {"PATH": "…", …}}
#   reply:   {"secrets": {"NAME": "value", …}} or {"error": "Class", "message": "…"}
# The first reply, before any request, is {"ready": "<dotenv version>"}.

# Debian bookworm's gems are older than Kamal 2.12 asks for. Each adapter below only
# adds what such a gem lacks, and none is on the path that reads secrets.
require "zeitwerk"
unless Zeitwerk::Loader.method_defined?(:eager_load_namespace)
  # Kamal loads its CLI classes with it (zeitwerk >= 2.6.2); loading everything is a superset.
  Zeitwerk::Loader.define_method(:eager_load_namespace) { |_namespace| eager_load }
end
require "thor"
if Thor::CoreExt::HashWithIndifferentAccess.instance_method(:slice).owner == Hash
  # `kamal secrets fetch` slices its options with symbol keys (thor >= 1.3 converts them).
  Thor::CoreExt::HashWithIndifferentAccess.define_method(:slice) do |*keys|
    super(*keys.map(&:to_s))
  end
end
require "active_support"
begin
  require "active_support/broadcast_logger"
rescue LoadError
  # activesupport < 7.1: Kamal's commander only creates one and hands it messages.
  module ActiveSupport
    class BroadcastLogger
      def initialize(*loggers) = @loggers = loggers
      def broadcast_to(*loggers) = @loggers.concat(loggers)
      def method_missing(name, *args, &block) = @loggers.each { |l| l.public_send(name, *args, &block) if l.respond_to?(name) }
      def respond_to_missing?(*) = true
    end
  end
  $LOADED_FEATURES << "active_support/broadcast_logger.rb"
end

require "json"
require "kamal"
require "dotenv/version"

requests = IO.new(3, "r")
replies = IO.new(4, "w")
[ requests, replies ].each { |io| io.close_on_exec = true }
replies.sync = true
replies.puts JSON.generate("ready" => Dotenv::VERSION)

requests.each_line do |line|
  request = JSON.parse(line)
  reply = Dir.chdir(request.fetch("app")) do
    ENV.replace(request.fetch("env"))
    KAMAL.reset
    KAMAL.configure(config_file: Pathname.new(File.expand_path("config/deploy.yml")),
      destination: request["destination"], version: "driver")
    { "secrets" => KAMAL.config.secrets.to_h }
  rescue Exception => e # rubocop:disable Lint/RescueException -- Dotenv::FormatError is a SyntaxError
    { "error" => e.class.name, "message" => e.message }
  end
  replies.puts JSON.generate(reply)
rescue JSON::GeneratorError => e
  replies.puts JSON.generate("error" => "JSON::GeneratorError", "message" => e.message)
end

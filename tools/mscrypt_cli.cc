// mscrypt: command-line tool for MindSpore's encrypted model container.
//
// Built only on the C API (mscrypt/mscrypt.h), like zstd's programs/ on lib/, so the tool doubles
// as a test that the C API is sufficient. It links libmscrypt.so (see tools/CMakeLists.txt).
//
// Exit status: 0 success; 1 failure (one "mscrypt: error: ..." line on stderr saying what to
// check); 2 usage error. Key bytes and key hex never appear in any output: messages name flags,
// positions and lengths only, and key buffers are wiped after use.
#include <fcntl.h>
#include <dirent.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "mscrypt/mscrypt.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr uint64_t kProgressThreshold = uint64_t{64} << 20;  // 64 MiB

// CliError unwinds to main(), running the wiping destructors on the way.
struct CliError {
  int exit_code;
  std::string message;
  int status = 0;           // the library's mscrypt_status, when a library call failed
  uint32_t hints = 0;       // and its MSCRYPT_HINT_* flags
};

// g_json: the command was given --json, so a failure is also reported as JSON on standard output
// ({"error": {...}}) for programs that parse it; the one stderr line is printed as always.
bool g_json = false;

[[noreturn]] void Usage(const std::string& message, const std::string& command) {
  std::string hint = command.empty() ? "run 'mscrypt --help'" : "run 'mscrypt " + command + " --help'";
  throw CliError{kExitUsage, message + " (" + hint + ")"};
}

[[noreturn]] void Failure(const std::string& message) { throw CliError{kExitFailure, message}; }
// BadValue: a malformed option value (bad hex): a usage error, exit 2.
[[noreturn]] void BadValue(const std::string& message) { throw CliError{kExitUsage, message}; }

// From the library's mode table (defined with the help texts below).
std::string ModeList(const char* first_suffix = "");
std::string KeySizesText();

// OneLine: `text` with control characters (and the backslash that introduces the escape) shown
// as \xNN, so a path, a name or any other text can never start a second "mscrypt: error:" line,
// break "one line per entry", or move the terminal's cursor. UTF-8 passes as is.
std::string OneLine(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7F || c == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

void Warn(const std::string& message) { std::fprintf(stderr, "mscrypt: warning: %s\n", OneLine(message).c_str()); }


// SecretBuf: fixed-capacity bytes (never reallocated, so no unwiped copies) wiped on destruction.
class SecretBuf {
 public:
  explicit SecretBuf(size_t capacity) : data_(new uint8_t[capacity]), cap_(capacity) {}
  ~SecretBuf() { mscrypt_wipe(data_.get(), cap_); }
  SecretBuf(const SecretBuf&) = delete;
  SecretBuf& operator=(const SecretBuf&) = delete;
  uint8_t* data() { return data_.get(); }
  size_t size() const { return size_; }
  size_t capacity() const { return cap_; }
  void set_size(size_t n) { size_ = n; }

 private:
  std::unique_ptr<uint8_t[]> data_;
  size_t cap_;
  size_t size_ = 0;
};

struct KeyDeleter {
  void operator()(mscrypt_key* k) const { mscrypt_key_free(k); }
};
using KeyPtr = std::unique_ptr<mscrypt_key, KeyDeleter>;
struct BufferDeleter {
  void operator()(mscrypt_buffer* b) const { mscrypt_buffer_free(b); }
};
struct InfoDeleter {
  void operator()(mscrypt_info* i) const { mscrypt_info_free(i); }
};
struct CkptDeleter {
  void operator()(mscrypt_ckpt* c) const { mscrypt_ckpt_free(c); }
};
struct MindIRDeleter {
  void operator()(mscrypt_mindir* m) const { mscrypt_mindir_free(m); }
};

std::string LastError() {
  std::string msg(mscrypt_last_error(nullptr, 0), '\0');
  if (!msg.empty()) mscrypt_last_error(&msg[0], msg.size() + 1);
  return msg;
}

// What a failing command was reading: a bare container, a checkpoint or a MindIR model. It
// changes the advice for structural failures.
enum class Subject { kContainer, kCheckpoint, kMindIR };

// Hint: the CLI's advice for a failure, in its own flags' terms. The library's message already
// ends with a neutral wording of each MSCRYPT_HINT_* flag it set, so the CLI adds advice only
// where no flag covers the code or where it can name its own options.
std::string Hint(mscrypt_status s, uint32_t hints, Subject subject) {
  switch (s) {
    case MSCRYPT_ERR_AUTH_FAILED:
      if ((hints & MSCRYPT_HINT_UNAUTHENTICATED_MODE) != 0) return "or the IV (--iv), if the file is raw AES-CBC";
      return "check the key and --mode; if both are right, the file is corrupted or was altered";
    case MSCRYPT_ERR_WRONG_MODE:
      return (hints & MSCRYPT_HINT_LEGACY_FORMAT) != 0
                 ? "check --mode ('mscrypt inspect' shows the file's mode), or add --legacy"
                 : "check --mode ('mscrypt inspect' shows the file's mode)";
    case MSCRYPT_ERR_NOT_ENCRYPTED:
      if (subject != Subject::kContainer) return "omit the key options to read a plain file";
      return "check that the file is encrypted (MindSpore 1.3-1.6 files need --legacy)";
    case MSCRYPT_ERR_KEY_REQUIRED:
      return "pass its key with --key-hex HEX, --key-file PATH or --key-env VAR";
    case MSCRYPT_ERR_MALFORMED:
      if ((hints & (MSCRYPT_HINT_DAMAGED | MSCRYPT_HINT_UNAUTHENTICATED_MODE | MSCRYPT_HINT_NOT_THIS_PAYLOAD |
                    MSCRYPT_HINT_LEGACY_FORMAT)) != 0) {
        return std::string();
      }
      if (subject == Subject::kCheckpoint) return "the file is damaged or is not a MindSpore checkpoint";
      if (subject == Subject::kMindIR) return "the file is damaged or is not a MindIR model";
      return "the file is damaged or is not a MindSpore encrypted file";
    case MSCRYPT_ERR_TRUNCATED:
      if ((hints & MSCRYPT_HINT_INCOMPLETE) != 0) return std::string();
      return "the file is incomplete; check for an interrupted copy or download";
    case MSCRYPT_ERR_INVALID_ARGUMENT:
      if ((hints & MSCRYPT_HINT_CHECK_KEY_SIZE) == 0) return std::string();
      return "keys are " + KeySizesText();
    case MSCRYPT_ERR_UNSUPPORTED:
      return "the OpenSSL library mscrypt is linked with lacks this cipher";
    case MSCRYPT_ERR_IO:
      if ((hints & MSCRYPT_HINT_NEED_REGULAR_FILE) != 0) return "'-' streams standard input (encrypt) or output";
      return hints != 0 ? std::string() : "check the paths and permissions";
    case MSCRYPT_ERR_NO_MEMORY:
      return "not enough memory";
    default:
      return std::string();
  }
}

// Check turns a failed C API call into a CliError carrying the library's detail and a hint.
void Check(mscrypt_status s, const std::string& what, Subject subject = Subject::kContainer) {
  if (s == MSCRYPT_OK) return;
  const uint32_t hints = mscrypt_last_error_hints();
  std::string detail = LastError();
  if (detail.empty()) detail = mscrypt_status_name(s);
  std::string msg = what + ": " + detail;
  const std::string hint = Hint(s, hints, subject);
  if (!hint.empty()) msg += "; " + hint;
  throw CliError{kExitFailure, msg, static_cast<int>(s), hints};
}

std::string Quote(const std::string& path) { return "'" + path + "'"; }

// WipeArg overwrites a key given on the command line, so /proc/<pid>/cmdline stops showing it.
void WipeArg(char* arg) { mscrypt_wipe(arg, std::strlen(arg)); }

// ---- Argument parsing -------------------------------------------------------------------------

// Args: "--name=value", "--name value", flags, positionals; "--" ends options.
class Args {
 public:
  Args(const std::string& command, int argc, char** argv) : command_(command), argc_(argc), argv_(argv) {
    bool options_done = false;
    for (int i = 0; i < argc; ++i) {
      char* a = argv[i];
      if (options_done || a[0] != '-' || std::strcmp(a, "-") == 0) {
        positionals_.push_back(a);
        continue;
      }
      if (std::strcmp(a, "--") == 0) {
        options_done = true;
        continue;
      }
      Item item;
      item.index = i;
      char* eq = std::strchr(a, '=');
      if (eq != nullptr) {
        item.name.assign(a, eq);
        item.value = eq + 1;
        item.inline_value = true;
      } else {
        item.name = a;
      }
      items_.push_back(item);
    }
  }

  // Value: the value of option `name` (nullptr if absent). Takes the next argument when the
  // value was not given inline. Repeating an option is a usage error.
  char* Value(const std::string& name) {
    char* found = nullptr;
    for (size_t i = 0; i < items_.size(); ++i) {
      Item& it = items_[i];
      if (it.name != name || it.is_value) continue;
      if (found != nullptr || it.used) Usage(name + " is given more than once", command_);
      it.used = true;
      if (it.inline_value) {
        found = it.value;
      } else {
        const int next = it.index + 1;
        if (next >= argc_) Usage(name + " needs a value", command_);
        found = argv_[next];
        // The constructor filed the value as a positional, or as an option if it starts with '-';
        // take it back from there (so it is never echoed as an "unknown option").
        for (size_t p = 0; p < positionals_.size(); ++p) {
          if (positionals_[p] == found) {
            positionals_.erase(positionals_.begin() + static_cast<long>(p));
            break;
          }
        }
        for (Item& other : items_) {
          if (other.index == next) other.is_value = true;
        }
      }
    }
    return found;
  }

  // Has: option `name` is present (it is not consumed).
  bool Has(const std::string& name) const {
    for (const Item& it : items_) {
      if (it.name == name && !it.is_value) return true;
    }
    return false;
  }

  bool Flag(const std::string& name) {
    bool found = false;
    for (Item& it : items_) {
      if (it.name != name || it.is_value) continue;
      if (it.inline_value) Usage(name + " takes no value", command_);
      it.used = true;
      found = true;
    }
    return found;
  }

  // Finish: every option must have been consumed. Names only are echoed (a value may be a key).
  void Finish() {
    for (const Item& it : items_) {
      if (!it.used && !it.is_value) Usage("unknown option " + it.name, command_);
    }
  }

  const std::vector<char*>& positionals() const { return positionals_; }

 private:
  struct Item {
    std::string name;
    char* value = nullptr;
    bool inline_value = false;
    int index = -1;
    bool used = false;
    bool is_value = false;  // taken as the value of the option before it
  };
  std::string command_;
  int argc_;
  char** argv_;
  std::vector<Item> items_;
  std::vector<char*> positionals_;
};

// ---- Hex bytes (the IV) ---------------------------------------------------------------------

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// ParseHexBytes decodes `hex` (either letter case) into `out`. Errors name the source and a
// position, never a character.
void ParseHexBytes(const char* hex, const std::string& source, SecretBuf* out) {
  const size_t len = std::strlen(hex);
  if (len == 0) BadValue("the hex value of " + source + " is empty");
  for (size_t i = 0; i < len; ++i) {
    if (HexDigit(hex[i]) < 0) {
      BadValue("the hex value of " + source + " has a character that is not a hex digit at position " +
               std::to_string(i + 1));
    }
  }
  if (len % 2 != 0 || len / 2 > out->capacity()) {
    BadValue(source + " must be " + std::to_string(out->capacity()) + " bytes (" + std::to_string(2 * out->capacity()) +
             " hex digits), got " + std::to_string(len) + " digits");
  }
  for (size_t i = 0; i < len / 2; ++i) {
    out->data()[i] = static_cast<uint8_t>(HexDigit(hex[2 * i]) * 16 + HexDigit(hex[2 * i + 1]));
  }
  out->set_size(len / 2);
}

// ---- Keys from their sources --------------------------------------------------------------------
// The sources are the library's (mscrypt_key_from_hex / _file, docs/format.md §9), so the CLI and
// Python agree on what a key file holds; the CLI adds option names, the prompt and exit codes.

void WarnUppercase(const std::string& source) {
  Warn("the hex key from " + source +
       " has uppercase A-F; mscrypt decodes it correctly, but converter_lite and benchmark decode "
       "uppercase hex differently (their Hex2ByteArray bug), so the same string typed there gives "
       "another key; prefer lowercase hex");
}

// KeySourceName: how messages name a key option's value. A value that looks like a hex key (a
// key typed after --key-file or --key-env by mistake) is never echoed.
std::string KeySourceName(const std::string& flag, const std::string& value) {
  bool hex = value.size() >= 16;
  for (char c : value) hex = hex && HexDigit(c) >= 0;
  if (hex) return flag + " (its value is not shown: it looks like a hex key; give that with --key-hex)";
  return flag + " " + Quote(value);
}

// KeyFromHex: a hex key from the command line or the environment. Malformed hex is a usage error.
KeyPtr KeyFromHex(const char* hex, const std::string& source) {
  mscrypt_key* key = nullptr;
  unsigned info = 0;
  const mscrypt_status s = mscrypt_key_from_hex(&key, hex, std::strlen(hex), source.c_str(), &info);
  if (s == MSCRYPT_ERR_INVALID_ARGUMENT) BadValue(LastError());
  Check(s, "cannot use the key");
  if ((info & MSCRYPT_KEY_INFO_UPPERCASE_HEX) != 0) WarnUppercase(source);
  return KeyPtr(key);
}

// PassphraseSource: --passphrase-env VAR, --passphrase-file PATH (or the --new-... pair), else a
// prompt on the terminal without echo.
struct PassphraseSource {
  std::string env_flag, file_flag;
  const char* env = nullptr;
  const char* file = nullptr;
  bool given() const { return env != nullptr || file != nullptr; }
};

PassphraseSource ParsePassphraseSource(Args& args, const std::string& prefix, const std::string& command) {
  PassphraseSource p;
  p.env_flag = "--" + prefix + "passphrase-env";
  p.file_flag = "--" + prefix + "passphrase-file";
  p.env = args.Value(p.env_flag);
  p.file = args.Value(p.file_flag);
  if (p.env != nullptr && p.file != nullptr) Usage("give the passphrase once: " + p.env_flag + " or " + p.file_flag, command);
  return p;
}


// The terminal's settings while echo is off, restored on every exit path and on SIGINT/SIGTERM.
int g_tty_fd = -1;
struct termios g_tty_saved;
void RestoreTerminal() {
  if (g_tty_fd >= 0) ::tcsetattr(g_tty_fd, TCSAFLUSH, &g_tty_saved);
}
void OnSignalDuringPrompt(int sig) {
  RestoreTerminal();
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

// PromptLine asks on /dev/tty with echo off; false when there is no terminal.
bool PromptLine(const std::string& prompt, SecretBuf* out) {
  const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return false;
  struct termios t;
  const bool is_tty = ::tcgetattr(fd, &g_tty_saved) == 0;
  if (is_tty) {
    g_tty_fd = fd;
    ::signal(SIGINT, OnSignalDuringPrompt);
    ::signal(SIGTERM, OnSignalDuringPrompt);
    t = g_tty_saved;
    t.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &t);
  }
  (void)!::write(fd, prompt.data(), prompt.size());
  size_t n = 0;
  bool too_long = false;
  for (;;) {
    char c;
    const ssize_t r = ::read(fd, &c, 1);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0 || c == '\n') break;
    if (n < out->capacity()) {
      out->data()[n++] = static_cast<uint8_t>(c);
    } else {
      too_long = true;
    }
  }
  if (is_tty) {
    RestoreTerminal();
    g_tty_fd = -1;
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
  }
  (void)!::write(fd, "\n", 1);
  ::close(fd);
  if (too_long) Failure("the passphrase is longer than " + std::to_string(out->capacity()) + " bytes");
  out->set_size(n);
  return true;
}

// GetPassphrase fills `out` from `src`; `what` names what it unlocks. With `confirm`, a prompted
// passphrase is asked twice.
void GetPassphrase(const PassphraseSource& src, const std::string& what, bool confirm, SecretBuf* out) {
  size_t n = 0;
  if (src.env != nullptr) {
    Check(mscrypt_passphrase_from_env(src.env, out->data(), out->capacity(), &n),
          "cannot read the passphrase of " + src.env_flag);
  } else if (src.file != nullptr) {
    Check(mscrypt_passphrase_from_file(src.file, out->data(), out->capacity(), &n),
          "cannot read the passphrase of " + src.file_flag);
  } else {
    if (!PromptLine("passphrase for " + OneLine(what) + ": ", out)) {
      Failure(what + " needs a passphrase and there is no terminal to ask on; give " + src.env_flag + " VAR or " +
              src.file_flag + " PATH");
    }
    n = out->size();
    if (confirm) {
      SecretBuf again(out->capacity());
      PromptLine("the same passphrase again: ", &again);
      if (again.size() != n || (n > 0 && std::memcmp(again.data(), out->data(), n) != 0)) {
        Failure("the two passphrases differ; nothing was written");
      }
    }
  }
  out->set_size(n);
}

// KeySources: --key-hex, --key-file, --key-env and the passphrase of an envelope key file (or
// the --new-... set of `mscrypt rekey`).
struct KeySources {
  std::string prefix;  // "" or "new-"
  char* hex = nullptr;
  const char* file = nullptr;
  const char* env = nullptr;
  PassphraseSource passphrase;
  bool allow_empty = false;
  std::string file_flag;  // the option naming the key file, if not --[new-]key-file (convert)
  int count() const { return (hex != nullptr) + (file != nullptr) + (env != nullptr); }
  std::string Flag(const char* name) const {
    return std::strcmp(name, "key-file") == 0 && !file_flag.empty() ? file_flag : "--" + prefix + name;
  }
  std::string Choices() const { return Flag("key-hex") + " HEX, " + Flag("key-file") + " PATH or " + Flag("key-env") + " VAR"; }
};

KeySources ParseKeySources(Args& args, const std::string& prefix, const std::string& command) {
  KeySources k;
  k.prefix = prefix;
  k.hex = args.Value(k.Flag("key-hex"));
  k.file = args.Value(k.Flag("key-file"));
  k.env = args.Value(k.Flag("key-env"));
  k.passphrase = ParsePassphraseSource(args, prefix, command);
  k.allow_empty = args.Flag("--allow-empty-passphrase");
  return k;
}

// LoadKey reads the one key `k` names; *label is how messages name its source.
KeyPtr LoadKey(KeySources& k, const std::string& command, std::string* label) {
  if (k.count() == 0) Usage("a key is needed: " + k.Choices(), command);
  if (k.count() > 1) Usage("give the key once: only one of " + k.Choices(), command);
  if (k.passphrase.given() && k.file == nullptr) {
    Usage(k.passphrase.env_flag + " and " + k.passphrase.file_flag + " unlock a key envelope given with " +
              k.Flag("key-file"),
          command);
  }
  if (k.hex != nullptr) {
    *label = k.Flag("key-hex");
    KeyPtr key = KeyFromHex(k.hex, *label);
    WipeArg(k.hex);
    return key;
  }
  if (k.env != nullptr) {
    *label = KeySourceName(k.Flag("key-env"), k.env);
    const char* value = std::getenv(k.env);
    if (value == nullptr) Failure("the environment variable of " + *label + " is not set");
    return KeyFromHex(value, "the environment variable of " + *label);
  }
  *label = KeySourceName(k.Flag("key-file"), k.file);
  const unsigned flags = k.allow_empty ? MSCRYPT_ALLOW_EMPTY_PASSPHRASE : 0u;
  mscrypt_key* key = nullptr;
  unsigned info = 0;
  mscrypt_status s = mscrypt_key_from_file(&key, k.file, nullptr, 0, flags, label->c_str(), &info);
  if (s == MSCRYPT_ERR_KEY_REQUIRED && (mscrypt_last_error_hints() & MSCRYPT_HINT_NEED_PASSPHRASE) != 0) {
    SecretBuf pass(MSCRYPT_MAX_PASSPHRASE_BYTES);
    GetPassphrase(k.passphrase, *label, /*confirm=*/false, &pass);
    s = mscrypt_key_from_file(&key, k.file, pass.data(), pass.size(), flags, label->c_str(), &info);
  } else if (s == MSCRYPT_OK && k.passphrase.given()) {
    mscrypt_key_free(key);
    Failure(*label + " is not a key envelope, so it has no passphrase; omit " + k.passphrase.env_flag + " / " +
            k.passphrase.file_flag);
  }
  Check(s, "cannot read the key");
  if ((info & MSCRYPT_KEY_INFO_HEX) != 0) {
    std::fprintf(stderr, "mscrypt: note: the key file of %s holds hex text; reading it as a %zu-byte key\n",
                 OneLine(*label).c_str(), mscrypt_key_len(key));
  }
  if ((info & MSCRYPT_KEY_INFO_UPPERCASE_HEX) != 0) WarnUppercase(*label);
  return KeyPtr(key);
}

mscrypt_mode ParseModeArg(const char* value, const std::string& flag, const std::string& command) {
  mscrypt_mode mode = MSCRYPT_MODE_AES_GCM;
  if (value == nullptr) return mode;
  if (mscrypt_mode_parse(&mode, value) != MSCRYPT_OK) {
    Usage("unknown " + flag + " value; use " + ModeList() + " (case-sensitive)", command);
  }
  return mode;
}

int ParseThreads(const char* value, const std::string& command) {
  if (value == nullptr) return 0;
  char* end = nullptr;
  errno = 0;
  const long n = std::strtol(value, &end, 10);
  if (errno != 0 || end == value || *end != '\0' || n < 0 || n > 1024) {
    Usage("--threads needs a whole number from 0 (one per core) to 1024", command);
  }
  return static_cast<int>(n);
}

// Keyed: the options shared by encrypt, decrypt and verify.
struct Keyed {
  KeyPtr key;
  std::string key_label;  // the key's source, for messages
  mscrypt_mode mode = MSCRYPT_MODE_AES_GCM;
  bool mode_given = false;
  mscrypt_options opts;
};

// CheckKeySize: the key fits k.mode (named with its source in the message).
void CheckKeySize(const Keyed& k) {
  Check(mscrypt_key_check_source(k.key.get(), k.mode, k.key_label.c_str()), "the key cannot be used");
}

// ParseKeyed reads the key, mode, threads and --legacy options. With key_optional, no key source
// means a plain input (k.key stays null; --mode and --legacy then make no sense).
Keyed ParseKeyed(Args& args, const std::string& command, bool allow_legacy, bool key_optional = false,
                 bool allow_in_place = false) {
  Keyed k;
  mscrypt_options_init(&k.opts);
  if (allow_in_place) k.opts.in_place = args.Flag("--in-place") ? 1 : 0;
  KeySources sources = ParseKeySources(args, "", command);
  const char* mode_arg = args.Value("--mode");
  k.mode = ParseModeArg(mode_arg, "--mode", command);
  k.mode_given = mode_arg != nullptr;
  k.opts.threads = ParseThreads(args.Value("--threads"), command);
  const bool legacy = args.Flag("--legacy");
  const bool seal = args.Flag("--seal"), no_seal = args.Flag("--no-seal");
  args.Finish();
  if (legacy && !allow_legacy) Usage("--legacy is for reading only; mscrypt writes the current format", command);
  if (seal && no_seal) Usage("--seal and --no-seal contradict each other", command);
  if (no_seal && command == "encrypt") Usage("--no-seal is for readers; encrypt writes a seal only with --seal", command);
  if ((seal || no_seal) && legacy) Usage("legacy files have no seals", command);
  k.opts.seal = seal ? MSCRYPT_SEAL_ON : no_seal ? MSCRYPT_SEAL_OFF : MSCRYPT_SEAL_AUTO;
  if (sources.count() == 0 && key_optional) {
    if (seal || no_seal) Usage("--seal and --no-seal need a key (a seal is checked with the file's key)", command);
    if (legacy) Usage("--legacy needs a key (plain files have no container to read)", command);
    if (mode_arg != nullptr) Usage("--mode needs a key (--key-hex, --key-file or --key-env)", command);
    if (sources.passphrase.given()) Usage("a passphrase option needs --key-file (a key envelope)", command);
    return k;
  }
  if (legacy) {
    k.opts.format = MSCRYPT_FORMAT_LEGACY;
    Warn("--legacy: MindSpore 1.3-1.6 files have no integrity protection; a wrong key or an altered file "
         "decrypts to garbage without any error");
  }
  k.key = LoadKey(sources, command, &k.key_label);
  CheckKeySize(k);
  return k;
}

void NeedPositionals(const Args& args, size_t n, const char* names, const std::string& command) {
  if (args.positionals().size() < n) Usage(std::string("expected ") + names, command);
  if (args.positionals().size() > n) {
    // Not echoed: a misplaced argument may be a key.
    Usage("unexpected extra argument #" + std::to_string(n + 1) + "; expected " + names, command);
  }
}

// ---- Progress -----------------------------------------------------------------------------------

uint64_t FileSize(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<uint64_t>(st.st_size);
}

std::string HumanSize(uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

// Progress: a status line on stderr for inputs over 64 MiB when stderr is a terminal. Attach()
// hooks it to the library's progress callback (mscrypt_options.progress), which reports the input
// bytes processed between batches of blocks, so the line shows a real percentage; a ticker thread
// keeps the elapsed time moving between reports (and is all there is for calls that do not
// report progress).
class Progress {
 public:
  Progress(const std::string& verb, const std::string& path, uint64_t total)
      : verb_(verb), path_(path), total_(total),
        enabled_(total > kProgressThreshold && ::isatty(STDERR_FILENO) == 1),
        start_(std::chrono::steady_clock::now()) {
    if (!enabled_) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      DrawLocked();
    }
    thread_ = std::thread([this] { Tick(); });
  }
  ~Progress() {
    if (!enabled_) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Attach makes `opts` report to this line (nothing when the line is disabled).
  void Attach(mscrypt_options* opts) {
    if (!enabled_) return;
    opts->progress = &Progress::OnProgress;
    opts->progress_arg = this;
  }
  // Detach undoes Attach (before `opts` is used for a call this line does not describe).
  static void Detach(mscrypt_options* opts) {
    opts->progress = nullptr;
    opts->progress_arg = nullptr;
  }

 private:
  static void OnProgress(void* arg, uint64_t done, uint64_t total) {
    Progress* self = static_cast<Progress*>(arg);
    std::lock_guard<std::mutex> lock(self->mu_);
    if (total > 0) self->total_ = total;
    self->done_ = done;
    self->DrawLocked();
  }
  void DrawLocked() {
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start_).count();
    if (done_ > 0 && total_ > 0) {
      std::fprintf(stderr, "\r\033[Kmscrypt: %s %s: %3d%% of %s, %llds", verb_.c_str(), path_.c_str(),
                   static_cast<int>(done_ * 100 / total_), HumanSize(total_).c_str(), static_cast<long long>(secs));
    } else {
      std::fprintf(stderr, "\r\033[Kmscrypt: %s %s (%s): %llds", verb_.c_str(), path_.c_str(),
                   HumanSize(total_).c_str(), static_cast<long long>(secs));
    }
    std::fflush(stderr);
  }
  void Tick() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_; })) DrawLocked();
  }

  std::string verb_, path_;
  uint64_t total_;
  uint64_t done_ = 0;
  bool enabled_;
  std::chrono::steady_clock::time_point start_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
};

// ---- Commands -----------------------------------------------------------------------------------

// The mode facts below come from the library's mode table (mscrypt_mode_*), never from lists
// written here, so a new mode shows up in every message and help text by itself.

// ModeList: "AES-GCM, AES-CBC or SM4-CBC".
std::string ModeList(const char* first_suffix) {
  std::vector<std::string> names;
  for (int m = 0; mscrypt_mode_name(static_cast<mscrypt_mode>(m)) != nullptr; ++m) {
    names.push_back(std::string(mscrypt_mode_name(static_cast<mscrypt_mode>(m))) + (m == 0 ? first_suffix : ""));
  }
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) out += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  return out;
}

// KeySizesText: "16, 24 or 32 bytes for AES-GCM/AES-CBC and 16 for SM4-CBC" (modes with the
// same sizes grouped).
std::string KeySizesText() {
  std::vector<std::pair<std::string, std::string>> groups;  // sizes, modes
  for (int m = 0; mscrypt_mode_name(static_cast<mscrypt_mode>(m)) != nullptr; ++m) {
    size_t sizes[8];
    const size_t n = std::min<size_t>(mscrypt_mode_key_sizes(static_cast<mscrypt_mode>(m), sizes, 8), 8);
    std::string text;
    for (size_t i = 0; i < n; ++i) text += (i == 0 ? "" : i + 1 == n ? " or " : ", ") + std::to_string(sizes[i]);
    const std::string name = mscrypt_mode_name(static_cast<mscrypt_mode>(m));
    auto same = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == text; });
    if (same != groups.end()) {
      same->second += "/" + name;
    } else {
      groups.emplace_back(text, name);
    }
  }
  std::string out;
  for (size_t i = 0; i < groups.size(); ++i) {
    out += (i == 0 ? "" : i + 1 == groups.size() ? " and " : ", ") + groups[i].first + (i == 0 ? " bytes" : "") +
           " for " + groups[i].second;
  }
  return out;
}

std::string KeyHelp() {
  return "Key (exactly one):\n"
         "  --key-hex HEX    key as hex digits, either letter case (two per byte)\n"
         "  --key-file PATH  key file: raw bytes, hex text, or a key envelope ('mscrypt key new --passphrase')\n"
         "  --key-env VAR    environment variable holding the key as hex\n"
         "  --passphrase-env VAR | --passphrase-file PATH   the passphrase of a key envelope (else it\n"
         "                   is asked on the terminal)\n"
         "Keys are " + KeySizesText() + ". A key is never printed.\n";
}

std::string ModeHelp() {
  std::string unauthenticated;
  for (int m = 0; mscrypt_mode_name(static_cast<mscrypt_mode>(m)) != nullptr; ++m) {
    if (mscrypt_mode_authenticated(static_cast<mscrypt_mode>(m))) continue;
    unauthenticated += (unauthenticated.empty() ? "" : " and ") + std::string(mscrypt_mode_name(static_cast<mscrypt_mode>(m)));
  }
  return "  --mode MODE      " + ModeList(" (default)") + ", as MindSpore's enc_mode/dec_mode; when\n"
         "                   reading, the default is the mode the file's first block names.\n"
         "                   " + unauthenticated + " are NOT authenticated: a wrong key is caught only by\n"
         "                   the padding check, and changes to the file are not detected.\n"
         "  --threads N      worker threads; 0 (default) = one per core\n";
}

// "-" names standard input or output. Inputs other than the encrypt source must be regular
// files (blocks are read by offset); outputs to "-" are streamed, not atomic.
bool IsStdio(const std::string& path) { return path == "-"; }

// DetectMode: without --mode, the mode the input's first block names (its magic), so a file is
// decrypted as it says; a file naming none keeps AES-GCM and fails with "not encrypted" as usual.
void DetectMode(Keyed* k, const std::string& in) {
  if (k->mode_given || k->opts.format == MSCRYPT_FORMAT_LEGACY || in == "-") return;
  mscrypt_mode found = MSCRYPT_MODE_AES_GCM;
  if (mscrypt_file_mode(&found, in.c_str()) == MSCRYPT_OK && found != k->mode) {
    k->mode = found;
    CheckKeySize(*k);
  }
}

// RawFormat: --format (mindspore, the default, or raw) and --iv, read before the key options.
// Raw is AES-CBC with PKCS#7 and the caller's IV, no header (Windows ML, `openssl enc`).
struct RawFormat {
  bool raw = false;
  uint8_t iv[16] = {0};
};

RawFormat ParseFormat(Args& args, const std::string& command) {
  RawFormat f;
  const char* format = args.Value("--format");
  char* iv = args.Value("--iv");
  if (format != nullptr && std::strcmp(format, "raw") != 0 && std::strcmp(format, "mindspore") != 0) {
    Usage("--format is 'mindspore' (the block container, the default) or 'raw' (AES-CBC, PKCS#7, --iv)", command);
  }
  f.raw = format != nullptr && std::strcmp(format, "raw") == 0;
  if (f.raw != (iv != nullptr)) Usage(f.raw ? "--format raw needs --iv HEX (16 bytes)" : "--iv needs --format raw", command);
  if (f.raw) {
    SecretBuf bytes(16);
    ParseHexBytes(iv, "--iv", &bytes);
    if (bytes.size() != 16) BadValue("--iv must be 16 bytes (32 hex digits), got " + std::to_string(bytes.size()));
    std::memcpy(f.iv, bytes.data(), 16);
  }
  return f;
}

// RunRaw: a raw-format encrypt or decrypt (the key from k; --mode, if given, must be AES-CBC).
int RunRaw(bool encrypt, const RawFormat& f, Keyed& k, const std::string& in, const std::string& out,
           const std::string& command) {
  if (k.mode != MSCRYPT_MODE_AES_CBC && k.mode_given) Usage("--format raw is AES-CBC; omit --mode", command);
  if (IsStdio(in) || IsStdio(out)) Usage("--format raw reads and writes files, not '-'", command);
  if (k.opts.format == MSCRYPT_FORMAT_LEGACY) Usage("--legacy is for the MindSpore container, not --format raw", command);
  if (k.opts.seal != MSCRYPT_SEAL_AUTO) Usage("seals are for the MindSpore container, not --format raw", command);
  Progress progress(encrypt ? "encrypting" : "decrypting", in, FileSize(in));
  progress.Attach(&k.opts);
  const mscrypt_status s = encrypt ? mscrypt_raw_encrypt_file(k.key.get(), f.iv, in.c_str(), out.c_str(), &k.opts)
                                   : mscrypt_raw_decrypt_file(k.key.get(), f.iv, in.c_str(), out.c_str(), &k.opts);
  Check(s, std::string("cannot ") + (encrypt ? "encrypt " : "decrypt ") + Quote(in));
  return kExitOk;
}

int CmdEncrypt(Args& args) {
  const RawFormat format = ParseFormat(args, "encrypt");
  Keyed k = ParseKeyed(args, "encrypt", false, false, /*allow_in_place=*/true);
  NeedPositionals(args, 2, "IN OUT", "encrypt");
  const std::string in = args.positionals()[0], out = args.positionals()[1];
  if (format.raw) return RunRaw(true, format, k, in, out, "encrypt");
  if (IsStdio(in) && IsStdio(out)) Usage("IN and OUT cannot both be '-'", "encrypt");
  if (IsStdio(out) && k.opts.seal == MSCRYPT_SEAL_ON) Usage("--seal writes OUT.msseal beside OUT, so OUT must be a file", "encrypt");
  const std::string what = "cannot encrypt " + Quote(in) + " to " + Quote(out);
  if (IsStdio(in)) {
    Check(mscrypt_encrypt_fd_to_file(k.key.get(), k.mode, STDIN_FILENO, out.c_str(), &k.opts), what);
    return kExitOk;
  }
  Progress progress("encrypting", in, FileSize(in));
  progress.Attach(&k.opts);
  if (IsStdio(out)) {
    Check(mscrypt_encrypt_file_to_fd(k.key.get(), k.mode, in.c_str(), STDOUT_FILENO, &k.opts), what);
  } else {
    Check(mscrypt_encrypt_file(k.key.get(), k.mode, in.c_str(), out.c_str(), &k.opts), what);
  }
  return kExitOk;
}

int CmdDecrypt(Args& args) {
  const RawFormat format = ParseFormat(args, "decrypt");
  Keyed k = ParseKeyed(args, "decrypt", true, false, /*allow_in_place=*/true);
  NeedPositionals(args, 2, "IN OUT", "decrypt");
  const std::string in = args.positionals()[0], out = args.positionals()[1];
  if (format.raw) return RunRaw(false, format, k, in, out, "decrypt");
  DetectMode(&k, in);
  if (IsStdio(in)) {
    Usage("IN must be a file: blocks are read by offset and checked before output, so '-' (standard input) "
          "cannot be decrypted; save it to a file first", "decrypt");
  }
  Progress progress("decrypting", in, FileSize(in));
  progress.Attach(&k.opts);
  if (IsStdio(out)) {
    Check(mscrypt_decrypt_file_to_fd(k.key.get(), k.mode, in.c_str(), STDOUT_FILENO, &k.opts),
          "cannot decrypt " + Quote(in));
  } else {
    Check(mscrypt_decrypt_file(k.key.get(), k.mode, in.c_str(), out.c_str(), &k.opts), "cannot decrypt " + Quote(in));
  }
  return kExitOk;
}

std::string JsonString(const std::string& s);

int CmdVerify(Args& args) {
  const bool json = args.Flag("--json");
  Keyed k = ParseKeyed(args, "verify", true);
  NeedPositionals(args, 1, "IN", "verify");
  const std::string in = args.positionals()[0];
  DetectMode(&k, in);
  const bool legacy = k.opts.format == MSCRYPT_FORMAT_LEGACY;
  // The seal is checked once, here (for the report), and the blocks then verified without it:
  // for CBC a seal check hashes the whole file.
  mscrypt_seal_report seal{};
  const std::string failed = "verification of " + Quote(in) + " failed";
  if (!legacy) Check(mscrypt_seal_check(k.key.get(), k.mode, in.c_str(), &k.opts, &seal), failed);
  const int seal_option = k.opts.seal;
  k.opts.seal = MSCRYPT_SEAL_OFF;
  mscrypt_status s;
  {
    Progress progress("verifying", in, FileSize(in));
    progress.Attach(&k.opts);
    s = mscrypt_verify_file(k.key.get(), k.mode, in.c_str(), &k.opts);
    Progress::Detach(&k.opts);
  }
  Check(s, failed);
  k.opts.seal = seal_option;
  uint64_t plaintext = 0;
  Check(mscrypt_decrypted_file_size(k.key.get(), &plaintext, k.mode, in.c_str(), &k.opts), "size of " + Quote(in));
  mscrypt_info* raw_info = nullptr;
  Check(mscrypt_inspect_file(&raw_info, in.c_str(), k.opts.format), "structure of " + Quote(in));
  const size_t blocks = mscrypt_info_num_blocks(raw_info);
  mscrypt_info_free(raw_info);
  const char* what = legacy                              ? "structure only: legacy files cannot be authenticated"
                     : seal.sealed                       ? "every block authenticated and in sealed order"
                     : mscrypt_mode_authenticated(k.mode) ? "every block authenticated"
                                                         : "padding checked only: the mode is not authenticated";
  const std::string seal_text = legacy                              ? "no seal (legacy)"
                                : k.opts.seal == MSCRYPT_SEAL_OFF ? "seal not checked (--no-seal)"
                                : seal.sealed ? "sealed (" + std::to_string(seal.files) + (seal.files == 1 ? " file)" : " files)")
                                              : "not sealed";
  if (json) {
    std::printf("{\"file\": %s, \"mode\": \"%s\", \"format\": \"%s\", \"blocks\": %zu, \"plaintext_size\": %llu, "
                "\"authenticated\": %s, \"sealed\": %s, \"sealed_files\": %zu}\n",
                JsonString(in).c_str(), mscrypt_mode_name(k.mode), legacy ? "legacy" : "current", blocks,
                static_cast<unsigned long long>(plaintext),
                !legacy && (seal.sealed || mscrypt_mode_authenticated(k.mode)) ? "true" : "false",
                seal.sealed ? "true" : "false", seal.sealed ? seal.files : size_t{0});
  } else {
    std::printf("%s: OK (%s, %s; %zu block%s, %llu bytes of plaintext; %s)\n", in.c_str(), mscrypt_mode_name(k.mode),
                what, blocks, blocks == 1 ? "" : "s", static_cast<unsigned long long>(plaintext), seal_text.c_str());
  }
  return kExitOk;
}

// Utf8Length: the length of the valid UTF-8 sequence at s[i], or 0.
size_t Utf8Length(const std::string& s, size_t i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  const size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size() || (n == 2 && c < 0xC2)) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return 0;
  }
  return n;
}

// JsonString: `s` as a JSON string. JSON text must be UTF-8: a byte that is not part of a valid
// UTF-8 sequence (model strings are raw bytes) becomes U+FFFD.
std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const size_t n = Utf8Length(s, i);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (n > 1) {
      out.append(s, i, n);
      i += n;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  return out + "\"";
}

int CmdInspect(Args& args) {
  const bool json = args.Flag("--json");
  const bool legacy = args.Flag("--legacy");
  args.Finish();
  NeedPositionals(args, 1, "IN", "inspect");
  const std::string in = args.positionals()[0];
  const mscrypt_format format = legacy ? MSCRYPT_FORMAT_LEGACY : MSCRYPT_FORMAT_CURRENT;
  mscrypt_info* raw = nullptr;
  Check(mscrypt_inspect_file(&raw, in.c_str(), format), "cannot inspect " + Quote(in));
  std::unique_ptr<mscrypt_info, InfoDeleter> info(raw);
  mscrypt_mode mode = MSCRYPT_MODE_AES_GCM;
  const bool known = mscrypt_info_mode(info.get(), &mode) == 1;
  const size_t n = mscrypt_info_num_blocks(info.get());
  const uint64_t pmin = mscrypt_info_plaintext_min(info.get()), pmax = mscrypt_info_plaintext_max(info.get());
  const bool authenticated = !legacy && known && mscrypt_mode_authenticated(mode) == 1;
  if (json) {
    std::string s = "{\"file\": " + JsonString(in) + ", \"format\": \"" + mscrypt_format_name(format) + "\"" +
                    ", \"mode\": " + (known ? "\"" + std::string(mscrypt_mode_name(mode)) + "\"" : "null") +
                    ", \"authenticated\": " + (authenticated ? "true" : "false") +
                    ", \"container_size\": " + std::to_string(mscrypt_info_container_size(info.get())) +
                    ", \"block_count\": " + std::to_string(n) +
                    ", \"plaintext_size_min\": " + std::to_string(pmin) +
                    ", \"plaintext_size_max\": " + std::to_string(pmax) + ", \"blocks\": [";
    for (size_t i = 0; i < n; ++i) {
      s += std::string(i ? ", " : "") + "{\"index\": " + std::to_string(i) +
           ", \"offset\": " + std::to_string(mscrypt_info_block_offset(info.get(), i)) +
           ", \"size\": " + std::to_string(mscrypt_info_block_size(info.get(), i)) +
           ", \"ciphertext_size\": " + std::to_string(mscrypt_info_block_ciphertext_size(info.get(), i)) +
           ", \"plaintext_size_min\": " + std::to_string(mscrypt_info_block_plaintext_min(info.get(), i)) +
           ", \"plaintext_size_max\": " + std::to_string(mscrypt_info_block_plaintext_max(info.get(), i)) + "}";
    }
    s += "]}";
    std::printf("%s\n", s.c_str());
    return kExitOk;
  }
  std::printf("file:           %s\n", in.c_str());
  std::printf("format:         %s\n", legacy ? "legacy (MindSpore 1.3-1.6; no integrity protection)"
                                            : "current (MindSpore 1.7+)");
  if (known) {
    std::printf("mode:           %s (%s)\n", mscrypt_mode_name(mode),
                authenticated ? "authenticated" : "NOT authenticated");
  } else {
    std::printf("mode:           %s\n", n == 0 ? "unknown (empty file)" : "AES-GCM or AES-CBC (legacy files share one magic)");
  }
  std::printf("container size: %llu bytes\n", static_cast<unsigned long long>(mscrypt_info_container_size(info.get())));
  std::printf("blocks:         %zu\n", n);
  if (pmin == pmax) {
    std::printf("plaintext size: %llu bytes\n", static_cast<unsigned long long>(pmin));
  } else {
    std::printf("plaintext size: %llu to %llu bytes (padding hides the exact size without the key)\n",
                static_cast<unsigned long long>(pmin), static_cast<unsigned long long>(pmax));
  }
  if (n > 0) std::printf("%8s %14s %12s %12s %s\n", "block", "offset", "size", "ciphertext", "plaintext");
  for (size_t i = 0; i < n; ++i) {
    const uint64_t a = mscrypt_info_block_plaintext_min(info.get(), i), b = mscrypt_info_block_plaintext_max(info.get(), i);
    std::string pt = a == b ? std::to_string(a) : std::to_string(a) + "-" + std::to_string(b);
    std::printf("%8zu %14llu %12llu %12llu %s\n", i, static_cast<unsigned long long>(mscrypt_info_block_offset(info.get(), i)),
                static_cast<unsigned long long>(mscrypt_info_block_size(info.get(), i)),
                static_cast<unsigned long long>(mscrypt_info_block_ciphertext_size(info.get(), i)), pt.c_str());
  }
  return kExitOk;
}

// ---- Model files: ckpt-list, mindir-info ---------------------------------------------------------

// TextName: a name for a text line, shown like message text (OneLine).
std::string TextName(const char* p, size_t n) { return OneLine(std::string(p, n)); }

// ShapeText: "[2, 3]", "[]" for a scalar; also valid JSON.
std::string ShapeText(const int64_t* dims, size_t n) {
  std::string s = "[";
  for (size_t i = 0; i < n; ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

// Column: left-aligned text padded to `width` (UTF-8 continuation bytes take no column).
std::string Column(const std::string& text, size_t width) {
  size_t cols = 0;
  for (unsigned char c : text) cols += (c & 0xC0) != 0x80;
  return cols >= width ? text : text + std::string(width - cols, ' ');
}

size_t Columns(const std::string& text) {
  size_t cols = 0;
  for (unsigned char c : text) cols += (c & 0xC0) != 0x80;
  return cols;
}

// EncryptedWithoutKey: the one clear line for an encrypted file given without a key.
[[noreturn]] void EncryptedWithoutKey(const std::string& what, const std::string& in) {
  std::string mode_text = "a MindSpore block container";
  mscrypt_info* raw = nullptr;
  mscrypt_mode mode = MSCRYPT_MODE_AES_GCM;
  if (mscrypt_inspect_file(&raw, in.c_str(), MSCRYPT_FORMAT_CURRENT) == MSCRYPT_OK) {
    std::unique_ptr<mscrypt_info, InfoDeleter> info(raw);
    if (mscrypt_info_mode(info.get(), &mode) == 1) mode_text = std::string("an ") + mscrypt_mode_name(mode) + " container";
  }
  std::string msg = what + ": the file is encrypted (" + mode_text +
                    "); pass its key with --key-hex HEX, --key-file PATH or --key-env VAR";
  if (mode != MSCRYPT_MODE_AES_GCM) msg += std::string(" and --mode ") + mscrypt_mode_name(mode);
  Failure(msg);
}

const char* KindName(int kind) { return kind == MSCRYPT_CKPT_KIND_MAP_TENSOR ? "map_tensor" : "tensor"; }

int CmdCkptList(Args& args) {
  const std::string cmd = "ckpt-list";
  const bool json = args.Flag("--json");
  const bool crc_check = args.Flag("--crc-check");
  Keyed k = ParseKeyed(args, cmd, true, true);
  NeedPositionals(args, 1, "IN", cmd);
  const std::string in = args.positionals()[0];
  const std::string what = "cannot list " + Quote(in);
  mscrypt_ckpt* raw = nullptr;
  mscrypt_status s;
  {
    Progress progress("decrypting", in, k.key ? FileSize(in) : 0);
    progress.Attach(&k.opts);
    s = mscrypt_ckpt_open(&raw, k.key.get(), k.mode, in.c_str(), crc_check ? MSCRYPT_CKPT_CRC_CHECK : 0u, &k.opts);
  }
  if (s == MSCRYPT_ERR_KEY_REQUIRED) EncryptedWithoutKey(what, in);
  Check(s, what, Subject::kCheckpoint);
  std::unique_ptr<mscrypt_ckpt, CkptDeleter> ckpt(raw);
  const mscrypt_ckpt* c = ckpt.get();
  if (crc_check && !mscrypt_ckpt_has_crc_trailer(c)) {
    Warn("--crc-check: the checkpoint has no crc_num trailer, so there was no CRC to check");
  }
  const size_t n = mscrypt_ckpt_count(c);

  struct Row {
    std::string name, dtype, shape;
    uint64_t bytes;
  };
  std::vector<Row> rows;
  std::string out;
  if (json) out = "[";
  for (size_t i = 0; i < n; ++i) {
    size_t name_len = 0;
    const char* name = mscrypt_ckpt_entry_name(c, i, &name_len);
    const int kind = mscrypt_ckpt_entry_kind(c, i);
    const uint64_t bytes = mscrypt_ckpt_entry_size(c, i);
    if (json) {
      out += std::string(i ? ",\n " : "\n ") + "{\"name\": " + JsonString(std::string(name, name_len)) +
             ", \"kind\": \"" + KindName(kind) + "\"";
      if (kind == MSCRYPT_CKPT_KIND_TENSOR) {
        out += ", \"dtype\": " + JsonString(mscrypt_ckpt_tensor_type_name(c, i, 0)) +
               ", \"shape\": " + ShapeText(mscrypt_ckpt_tensor_shape(c, i, 0), mscrypt_ckpt_tensor_shape_ndim(c, i, 0)) +
               ", \"dims\": " + ShapeText(mscrypt_ckpt_tensor_dims(c, i, 0), mscrypt_ckpt_tensor_ndim(c, i, 0));
      } else {
        out += ", \"dtype\": \"MapTensor\", \"shape\": null, \"dims\": null, \"tensors\": [";
        for (size_t j = 0; j < mscrypt_ckpt_entry_num_tensors(c, i); ++j) {
          out += std::string(j ? ", " : "") + "{\"dtype\": " + JsonString(mscrypt_ckpt_tensor_type_name(c, i, j)) +
                 ", \"shape\": " + ShapeText(mscrypt_ckpt_tensor_shape(c, i, j), mscrypt_ckpt_tensor_shape_ndim(c, i, j)) +
                 ", \"dims\": " + ShapeText(mscrypt_ckpt_tensor_dims(c, i, j), mscrypt_ckpt_tensor_ndim(c, i, j)) +
                 ", \"bytes\": " + std::to_string(mscrypt_ckpt_tensor_size(c, i, j)) + "}";
        }
        out += "]";
      }
      out += ", \"bytes\": " + std::to_string(bytes) + "}";
      continue;
    }
    Row r{TextName(name, name_len), "", "", bytes};
    if (kind == MSCRYPT_CKPT_KIND_TENSOR) {
      r.dtype = mscrypt_ckpt_tensor_type_name(c, i, 0);
      r.shape = ShapeText(mscrypt_ckpt_tensor_shape(c, i, 0), mscrypt_ckpt_tensor_shape_ndim(c, i, 0));
    } else {
      // A MapParameter: its tensors (keys, values, status) as TYPE[shape] in the shape column.
      r.dtype = "MapTensor";
      for (size_t j = 0; j < mscrypt_ckpt_entry_num_tensors(c, i); ++j) {
        r.shape += std::string(j ? " " : "") + mscrypt_ckpt_tensor_type_name(c, i, j) +
                   ShapeText(mscrypt_ckpt_tensor_shape(c, i, j), mscrypt_ckpt_tensor_shape_ndim(c, i, j));
      }
    }
    rows.push_back(r);
  }
  if (json) {
    out += n ? "\n]" : "]";
    std::printf("%s\n", out.c_str());
    return kExitOk;
  }
  size_t wn = 0, wd = 0, ws = 0, wb = 0;
  for (const Row& r : rows) {
    wn = std::max(wn, Columns(r.name));
    wd = std::max(wd, r.dtype.size());
    ws = std::max(ws, Columns(r.shape));
    wb = std::max(wb, std::to_string(r.bytes).size());
  }
  for (const Row& r : rows) {
    const std::string b = std::to_string(r.bytes);
    std::printf("%s  %s  %s  %s%s\n", Column(r.name, wn).c_str(), Column(r.dtype, wd).c_str(),
                Column(r.shape, ws).c_str(), std::string(wb - b.size(), ' ').c_str(), b.c_str());
  }
  return kExitOk;
}

int CmdMindIRInfo(Args& args) {
  const std::string cmd = "mindir-info";
  const bool json = args.Flag("--json");
  Keyed k = ParseKeyed(args, cmd, false, true);
  NeedPositionals(args, 1, "IN", cmd);
  const std::string in = args.positionals()[0];
  const std::string what = "cannot load " + Quote(in);
  mscrypt_mindir* raw = nullptr;
  const mscrypt_status s = mscrypt_mindir_open(&raw, k.key.get(), k.mode, in.c_str(), &k.opts);
  if (s == MSCRYPT_ERR_KEY_REQUIRED) EncryptedWithoutKey(what, in);
  Check(s, what, Subject::kMindIR);
  std::unique_ptr<mscrypt_mindir, MindIRDeleter> model(raw);
  const mscrypt_mindir* m = model.get();
  const size_t n = mscrypt_mindir_num_parameters(m);
  const bool external = mscrypt_mindir_has_external_data(m) == 1;
  if (json) {
    std::string out = "{\"file\": " + JsonString(in) + ", \"graph\": " + JsonString(mscrypt_mindir_graph_name(m)) +
                      ", \"producer\": " + JsonString(mscrypt_mindir_producer_name(m)) +
                      ", \"model_version\": " + JsonString(mscrypt_mindir_model_version(m)) +
                      ", \"external_data\": " + (external ? "true" : "false") +
                      ", \"parameter_count\": " + std::to_string(n) +
                      ", \"parameter_bytes\": " + std::to_string(mscrypt_mindir_parameter_bytes(m)) +
                      ", \"parameters\": [";
    for (size_t i = 0; i < n; ++i) {
      out += std::string(i ? ",\n  " : "\n  ") + "{\"name\": " + JsonString(mscrypt_mindir_parameter_name(m, i)) +
             ", \"key\": " + JsonString(mscrypt_mindir_parameter_key(m, i)) +
             ", \"dtype\": " + JsonString(mscrypt_mindir_parameter_dtype(m, i)) +
             ", \"shape\": " + ShapeText(mscrypt_mindir_parameter_dims(m, i), mscrypt_mindir_parameter_ndim(m, i)) +
             ", \"bytes\": " + std::to_string(mscrypt_mindir_parameter_size(m, i)) +
             ", \"external\": " + (mscrypt_mindir_parameter_is_external(m, i) ? "true" : "false") + "}";
    }
    out += n ? "\n]}" : "]}";
    std::printf("%s\n", out.c_str());
    return kExitOk;
  }
  std::printf("file:        %s\n", in.c_str());
  std::printf("graph:       %s\n", mscrypt_mindir_graph_name(m));
  std::printf("producer:    %s %s\n", mscrypt_mindir_producer_name(m), mscrypt_mindir_model_version(m));
  std::printf("parameters:  %zu (%llu bytes)%s\n", n, static_cast<unsigned long long>(mscrypt_mindir_parameter_bytes(m)),
              external ? ", weights in external files" : "");
  size_t wn = 0, wd = 0, ws = 0;
  for (size_t i = 0; i < n; ++i) {
    const char* key = mscrypt_mindir_parameter_key(m, i);
    const char* name = key[0] != '\0' ? key : mscrypt_mindir_parameter_name(m, i);
    wn = std::max(wn, Columns(TextName(name, std::strlen(name))));
    wd = std::max(wd, std::strlen(mscrypt_mindir_parameter_dtype(m, i)));
    ws = std::max(ws, ShapeText(mscrypt_mindir_parameter_dims(m, i), mscrypt_mindir_parameter_ndim(m, i)).size());
  }
  for (size_t i = 0; i < n; ++i) {
    const char* key = mscrypt_mindir_parameter_key(m, i);
    const char* name = key[0] != '\0' ? key : mscrypt_mindir_parameter_name(m, i);
    std::printf("  %s  %s  %s  %llu\n", Column(TextName(name, std::strlen(name)), wn).c_str(),
                Column(mscrypt_mindir_parameter_dtype(m, i), wd).c_str(),
                Column(ShapeText(mscrypt_mindir_parameter_dims(m, i), mscrypt_mindir_parameter_ndim(m, i)), ws).c_str(),
                static_cast<unsigned long long>(mscrypt_mindir_parameter_size(m, i)));
  }
  return kExitOk;
}

// ConvertOutputPath: OUT as given when its file name has an extension; otherwise ".mindir" is
// appended (converter_lite appends ".ms", but convert only re-keys the MindIR container, so the
// output is still a MindIR).
std::string ConvertOutputPath(const std::string& out) {
  const size_t slash = out.find_last_of('/');
  const std::string base = slash == std::string::npos ? out : out.substr(slash + 1);
  const size_t dot = base.find_last_of('.');
  if (dot != std::string::npos && dot > 0 && dot + 1 < base.size()) return out;
  return out + ".mindir";
}

int CmdConvert(Args& args) {
  const std::string cmd = "convert";
  char* fmk = args.Value("--fmk");
  char* model = args.Value("--modelFile");
  char* output = args.Value("--outputFile");
  char* dkey_hex = args.Value("--decryptKey");
  char* dmode_arg = args.Value("--decryptMode");
  char* ekey_hex = args.Value("--encryptKey");
  char* encryption_arg = args.Value("--encryption");
  const int threads = ParseThreads(args.Value("--threads"), cmd);
  const bool legacy = args.Flag("--legacy");
  // mscrypt's additions: key files (raw, hex or key envelopes) instead of hex on the command line.
  KeySources dkey_file, ekey_file;
  dkey_file.file_flag = "--decryptKeyFile";
  dkey_file.file = args.Value("--decryptKeyFile");
  dkey_file.passphrase = ParsePassphraseSource(args, "", cmd);
  ekey_file.prefix = "new-";
  ekey_file.file_flag = "--encryptKeyFile";
  ekey_file.file = args.Value("--encryptKeyFile");
  ekey_file.passphrase = ParsePassphraseSource(args, "new-", cmd);
  dkey_file.allow_empty = ekey_file.allow_empty = args.Flag("--allow-empty-passphrase");
  const bool seal = args.Flag("--seal");
  args.Finish();
  if (!args.positionals().empty()) Usage("convert takes only --flag=value options", cmd);
  if (dkey_hex != nullptr && dkey_file.file != nullptr) Usage("give --decryptKey or --decryptKeyFile, not both", cmd);
  if (ekey_hex != nullptr && ekey_file.file != nullptr) Usage("give --encryptKey or --encryptKeyFile, not both", cmd);
  if (dkey_file.file != nullptr) dkey_hex = nullptr;
  const bool have_dkey = dkey_hex != nullptr || dkey_file.file != nullptr;
  const bool have_ekey = ekey_hex != nullptr || ekey_file.file != nullptr;
  if (dkey_file.file == nullptr && dkey_file.passphrase.given()) Usage("--passphrase-env/-file unlock --decryptKeyFile", cmd);
  if (ekey_file.file == nullptr && ekey_file.passphrase.given()) {
    Usage("--new-passphrase-env/-file unlock --encryptKeyFile", cmd);
  }
  if (fmk == nullptr) Usage("--fmk=MINDIR is required", cmd);
  if (std::strcmp(fmk, "MINDIR") != 0) {
    Usage("only --fmk=MINDIR is supported: mscrypt re-encrypts MindIR files, it does not convert models", cmd);
  }
  if (model == nullptr || model[0] == '\0') Usage("--modelFile=IN is required", cmd);
  if (output == nullptr || output[0] == '\0') Usage("--outputFile=OUT is required", cmd);
  bool encryption = true;  // converter_lite's default
  if (encryption_arg != nullptr) {
    if (std::strcmp(encryption_arg, "true") == 0) {
      encryption = true;
    } else if (std::strcmp(encryption_arg, "false") == 0) {
      encryption = false;
    } else {
      Usage("--encryption must be true or false", cmd);
    }
  }
  const mscrypt_mode dmode = ParseModeArg(dmode_arg, "--decryptMode", cmd);
  if (encryption && !have_ekey) {
    Usage("--encryption is true and --encryptKey must be set; if you don't need model encryption, "
          "set --encryption=false",
          cmd);
  }
  if (!encryption && have_ekey) Usage("--encryptKey is given but --encryption=false", cmd);
  if (!encryption && !have_dkey) {
    Usage("nothing to do: without --decryptKey and with --encryption=false the output would be a copy", cmd);
  }
  if (!have_dkey && (dmode_arg != nullptr || legacy)) {
    Usage("--decryptMode and --legacy need --decryptKey", cmd);
  }

  mscrypt_options opts;
  mscrypt_options_init(&opts);
  opts.threads = threads;
  if (legacy) {
    opts.format = MSCRYPT_FORMAT_LEGACY;
    Warn("--legacy: MindSpore 1.3-1.6 files have no integrity protection; a wrong key or an altered file "
         "decrypts to garbage without any error");
  }
  KeyPtr dkey, ekey;
  std::string label;
  if (dkey_hex != nullptr) {
    dkey = KeyFromHex(dkey_hex, "--decryptKey");
    WipeArg(dkey_hex);
    Check(mscrypt_key_check(dkey.get(), dmode), "--decryptKey cannot be used with " + std::string(mscrypt_mode_name(dmode)));
  } else if (dkey_file.file != nullptr) {
    dkey = LoadKey(dkey_file, cmd, &label);
    Check(mscrypt_key_check_source(dkey.get(), dmode, label.c_str()), "the key cannot be used");
  }
  if (ekey_file.file != nullptr) {
    ekey = LoadKey(ekey_file, cmd, &label);
  } else if (ekey_hex != nullptr) {
    ekey = KeyFromHex(ekey_hex, "--encryptKey");
    WipeArg(ekey_hex);
  }
  if (ekey) {
    // converter_lite accepts exactly 16 bytes, and the Lite device runtime decrypts only AES-128-GCM.
    if (mscrypt_key_len(ekey.get()) != 16) {
      Failure("the output key must be 16 bytes (32 hex digits), as converter_lite requires; got " +
              std::to_string(mscrypt_key_len(ekey.get())) + " bytes");
    }
  }
  if (seal && !encryption) Usage("--seal seals an encrypted output; with --encryption=false the output is plain", cmd);
  // The output's options: its seal (the input keeps the default check of its own seal, if any).
  mscrypt_options write_opts = opts;
  write_opts.seal = seal ? MSCRYPT_SEAL_ON : MSCRYPT_SEAL_AUTO;
  write_opts.seal_role = MSCRYPT_SEAL_ROLE_MINDIR;
  const std::string in = model;
  if (std::string(model) == "-" || std::string(output) == "-") {
    Usage("convert reads and writes files ('-' is not a standard stream here, as for converter_lite)", "convert");
  }
  const std::string out = ConvertOutputPath(output);
  if (out != output) std::fprintf(stderr, "mscrypt: note: writing %s (OUT had no extension)\n", OneLine(out).c_str());
  const std::string what = "cannot convert " + Quote(in);
  {
    // The re-encrypting path writes from memory, so the library cannot see that OUT is IN: check
    // here. Replacing the model being converted is never what --outputFile meant.
    struct stat a, b;
    if (::stat(in.c_str(), &a) == 0 && ::stat(out.c_str(), &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
      Usage("--outputFile names the --modelFile itself; write to another file", "convert");
    }
  }

  if (dkey && encryption) {
    // Decrypt into memory, re-encrypt from memory: the plaintext never touches the disk.
    mscrypt_buffer* raw = nullptr;
    {
      Progress progress("decrypting", in, FileSize(in));
      progress.Attach(&opts);
      const mscrypt_status s = mscrypt_decrypt_file_alloc(dkey.get(), &raw, dmode, in.c_str(), &opts);
      Progress::Detach(&opts);
      Check(s, what);
    }
    std::unique_ptr<mscrypt_buffer, BufferDeleter> plain(raw);  // wiped when freed
    Progress progress("encrypting", in, mscrypt_buffer_len(plain.get()));
    Check(mscrypt_encrypt_to_file(ekey.get(), MSCRYPT_MODE_AES_GCM, out.c_str(), mscrypt_buffer_data(plain.get()),
                                  mscrypt_buffer_len(plain.get()), &write_opts),
          what);
  } else if (dkey) {
    Progress progress("decrypting", in, FileSize(in));
    progress.Attach(&opts);
    Check(mscrypt_decrypt_file(dkey.get(), dmode, in.c_str(), out.c_str(), &opts), what);
  } else {
    int encrypted = 0;
    Check(mscrypt_is_encrypted_file(&encrypted, in.c_str()), what);
    if (encrypted) {
      Failure(what + ": the input is already encrypted; pass --decryptKey (and --decryptMode if not AES-GCM)");
    }
    Progress progress("encrypting", in, FileSize(in));
    progress.Attach(&write_opts);
    Check(mscrypt_encrypt_file(ekey.get(), MSCRYPT_MODE_AES_GCM, in.c_str(), out.c_str(), &write_opts), what);
  }
  return kExitOk;
}

// ---- Keys ---------------------------------------------------------------------------------------

// ParseCost: --scrypt-log-n N for a new envelope (r = 8, p = 1; 15..20 is 32 MiB..1 GiB).
mscrypt_scrypt_cost ParseCost(Args& args, const std::string& command) {
  mscrypt_scrypt_cost cost{18, 8, 1};
  const char* value = args.Value("--scrypt-log-n");
  if (value == nullptr) return cost;
  char* end = nullptr;
  errno = 0;
  const long n = std::strtol(value, &end, 10);
  if (errno != 0 || end == value || *end != '\0' || n < 15 || n > 20) {
    Usage("--scrypt-log-n is 15 to 20 (scrypt N = 2^n with r = 8: 32 MiB to 1 GiB; default 18)", command);
  }
  cost.log_n = static_cast<uint8_t>(n);
  return cost;
}

size_t ParseKeySize(const char* size_arg) {
  if (size_arg == nullptr) return 32;
  char* end = nullptr;
  errno = 0;
  const unsigned long n = std::strtoul(size_arg, &end, 10);
  if (errno != 0 || end == size_arg || *end != '\0' || (n != 16 && n != 24 && n != 32)) {
    Usage("--size is 16, 24 or 32 (bytes; SM4-CBC takes 16)", "key");
  }
  return n;
}

// key new OUT: a raw or hex key file, or with a passphrase a key envelope (docs/format.md §9).
int KeyNew(Args& args) {
  const size_t size = ParseKeySize(args.Value("--size"));
  const bool hex = args.Flag("--hex");
  const bool protect = args.Flag("--passphrase");
  PassphraseSource pass = ParsePassphraseSource(args, "", "key");
  const bool allow_empty = args.Flag("--allow-empty-passphrase");
  const bool cost_given = args.Has("--scrypt-log-n");
  const bool json = args.Flag("--json");
  const mscrypt_scrypt_cost cost = ParseCost(args, "key");
  args.Finish();
  NeedPositionals(args, 2, "new OUT", "key");
  const std::string out = args.positionals()[1];
  if (out == "-") Usage("OUT must be a file: a key is never printed", "key");
  const bool envelope = protect || pass.given();
  if (envelope && hex) Usage("--hex writes a plain key file; a passphrase-protected key is an envelope", "key");
  if (!envelope && (allow_empty || cost_given)) {
    Usage("--allow-empty-passphrase and --scrypt-log-n are for --passphrase (a key envelope)", "key");
  }
  if (!envelope) {
    Check(mscrypt_key_file_new(out.c_str(), size, hex ? 1 : 0), "cannot create the key file " + Quote(out));
    if (json) {
      std::printf("{\"file\": %s, \"size\": %zu, \"kind\": \"%s\"}\n", JsonString(out).c_str(), size, hex ? "hex" : "raw");
      return kExitOk;
    }
    std::printf("wrote a new %zu-byte key to %s (%s, mode 0600)\n", size, OneLine(out).c_str(),
                hex ? "hex text, for --key-file, --key-env or converter_lite's --decryptKey" : "raw bytes, for --key-file");
    return kExitOk;
  }
  struct stat st;
  if (::lstat(out.c_str(), &st) == 0) Failure("cannot create the key envelope " + Quote(out) + ": it exists (an existing key is never replaced)");
  SecretBuf passphrase(MSCRYPT_MAX_PASSPHRASE_BYTES);
  GetPassphrase(pass, "the new key envelope " + Quote(out), /*confirm=*/true, &passphrase);
  mscrypt_key* raw = nullptr;
  Check(mscrypt_key_generate(&raw, size), "cannot generate a key");
  KeyPtr key(raw);
  Check(mscrypt_key_envelope_new(out.c_str(), key.get(), passphrase.data(), passphrase.size(), &cost,
                                 allow_empty ? MSCRYPT_ALLOW_EMPTY_PASSPHRASE : 0u),
        "cannot create the key envelope " + Quote(out));
  if (json) {
    std::printf("{\"file\": %s, \"size\": %zu, \"kind\": \"envelope\"}\n", JsonString(out).c_str(), size);
    return kExitOk;
  }
  std::printf("wrote a new %zu-byte key to %s, protected by the passphrase (key envelope, mode 0600)\n", size,
              OneLine(out).c_str());
  return kExitOk;
}

// key show --hex KEYFILE: print the data key, for MindSpore's enc_key / converter_lite.
int KeyShow(Args& args) {
  const bool hex = args.Flag("--hex");
  KeySources sources;
  sources.passphrase = ParsePassphraseSource(args, "", "key");
  sources.allow_empty = args.Flag("--allow-empty-passphrase");
  args.Finish();
  NeedPositionals(args, 2, "show --hex KEYFILE", "key");
  if (!hex) Usage("key show prints a secret; say so with --hex (the key as lowercase hex)", "key");
  sources.file = args.positionals()[1];
  std::string label;
  KeyPtr key = LoadKey(sources, "key", &label);
  SecretBuf bytes(mscrypt_max_key_bytes());
  size_t n = 0;
  Check(mscrypt_key_export(key.get(), bytes.data(), bytes.capacity(), &n), "cannot read the key");
  SecretBuf text(2 * n + 1);
  static const char kDigits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; ++i) {
    text.data()[2 * i] = static_cast<uint8_t>(kDigits[bytes.data()[i] >> 4]);
    text.data()[2 * i + 1] = static_cast<uint8_t>(kDigits[bytes.data()[i] & 0xF]);
  }
  text.data()[2 * n] = '\n';
  std::fprintf(stderr, "mscrypt: warning: printing a secret: the %zu-byte data key of %s; anyone who sees it can "
               "decrypt every file encrypted with it\n", n, OneLine(label).c_str());
  if (std::fwrite(text.data(), 1, 2 * n + 1, stdout) != 2 * n + 1 || std::fflush(stdout) != 0) {
    Failure("cannot write the key to standard output");
  }
  return kExitOk;
}

// key rewrap ENVELOPE: a new passphrase for the same data key; model files stay as they are.
int KeyRewrap(Args& args) {
  PassphraseSource old_pass = ParsePassphraseSource(args, "", "key");
  PassphraseSource new_pass = ParsePassphraseSource(args, "new-", "key");
  const bool allow_empty = args.Flag("--allow-empty-passphrase");
  const mscrypt_scrypt_cost cost = ParseCost(args, "key");
  args.Finish();
  NeedPositionals(args, 2, "rewrap ENVELOPE", "key");
  const std::string path = args.positionals()[1];
  SecretBuf old_secret(MSCRYPT_MAX_PASSPHRASE_BYTES), new_secret(MSCRYPT_MAX_PASSPHRASE_BYTES);
  GetPassphrase(old_pass, "the key envelope " + Quote(path) + " (current passphrase)", false, &old_secret);
  GetPassphrase(new_pass, "the key envelope " + Quote(path) + " (new passphrase)", true, &new_secret);
  Check(mscrypt_key_envelope_rewrap(path.c_str(), old_secret.data(), old_secret.size(), new_secret.data(),
                                    new_secret.size(), &cost, allow_empty ? MSCRYPT_ALLOW_EMPTY_PASSPHRASE : 0u),
        "cannot change the passphrase of " + Quote(path));
  std::printf("changed the passphrase of %s; the data key and the files encrypted with it are unchanged\n",
              OneLine(path).c_str());
  return kExitOk;
}

int CmdKey(Args& args) {
  const char* sub = args.positionals().empty() ? "" : args.positionals()[0];
  if (std::strcmp(sub, "new") == 0) return KeyNew(args);
  if (std::strcmp(sub, "show") == 0) return KeyShow(args);
  if (std::strcmp(sub, "rewrap") == 0) return KeyRewrap(args);
  Usage("the key subcommands are new, show and rewrap", "key");
}

std::string KeyCmdHelp() {
  return "usage: mscrypt key new OUT [--size N] [--hex | --passphrase [PASSPHRASE SOURCE]]\n"
         "       mscrypt key show --hex KEYFILE [PASSPHRASE SOURCE]\n"
         "       mscrypt key rewrap ENVELOPE [PASSPHRASE SOURCE] [NEW PASSPHRASE SOURCE]\n\n"
         "new: write a new random key (from the operating system's CSPRNG) to the new file OUT, mode\n"
         "0600; an existing OUT is never replaced and the key is never printed. With --passphrase (or a\n"
         "passphrase source) OUT is a key envelope: the key wrapped under the passphrase (scrypt and\n"
         "AES-256-GCM, docs/format.md §9). Files encrypted with it are plain MindSpore files.\n"
         "show --hex: print the key of KEYFILE (raw, hex or envelope) as hex, for MindSpore's enc_key /\n"
         "dec_key or converter_lite's --decryptKey. This prints a secret.\n"
         "rewrap: change the passphrase of ENVELOPE, atomically. The key stays the same, so every file\n"
         "encrypted with it stays valid; nothing else is rewritten.\n\n"
         "Options:\n"
         "  --size N                  16, 24 or 32 bytes (default 32: AES-256; SM4-CBC takes 16)\n"
         "  --hex                     new: write lowercase hex and a newline instead of raw bytes\n"
         "  --passphrase              new: protect the key with a passphrase (asked twice on the terminal)\n"
         "  --passphrase-env VAR      the passphrase is the value of environment variable VAR\n"
         "  --passphrase-file PATH    the passphrase is the content of PATH (one final newline dropped)\n"
         "  --new-passphrase-env VAR, --new-passphrase-file PATH   rewrap: the new passphrase\n"
         "  --scrypt-log-n N          new, rewrap: scrypt cost N = 2^N, 15..20 (default 18: 256 MiB, ~1 s)\n"
         "  --allow-empty-passphrase  accept an empty passphrase (it protects nothing)\n"
         "  --json                    new: report the file written as JSON (file, size, kind)\n"
         "Without a passphrase option the passphrase is asked on the terminal without echo.\n";
}

// ---- Seals ---------------------------------------------------------------------------------------

// TreeEntry, WalkTree: the regular files under `dir`, recursively, in sorted depth-first order,
// with their sizes. Symbolic links are listed apart and not followed (so nothing outside the tree
// is touched); a directory that cannot be read goes to *unreadable with the reason.
struct TreeEntry {
  std::string path;
  uint64_t size = 0;
};

void WalkTree(const std::string& dir, std::vector<TreeEntry>* files, std::vector<std::string>* links,
              std::vector<std::pair<std::string, std::string>>* unreadable) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
  if (!d) {
    unreadable->emplace_back(dir, std::string("cannot read the directory: ") + std::strerror(errno));
    return;
  }
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(d.get())) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.push_back(e->d_name);
  }
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    const std::string path = dir + "/" + name;
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) continue;
    if (S_ISLNK(st.st_mode)) {
      links->push_back(path);
    } else if (S_ISDIR(st.st_mode)) {
      WalkTree(path, files, links, unreadable);
    } else if (S_ISREG(st.st_mode)) {
      files->push_back(TreeEntry{path, static_cast<uint64_t>(st.st_size)});
    }
  }
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// RoleOf: what a file is, from its name: .ckpt a checkpoint, .mindir / .ms a MindIR model.
int RoleOf(const std::string& path) {
  if (EndsWith(path, ".ckpt")) return MSCRYPT_SEAL_ROLE_CHECKPOINT;
  if (EndsWith(path, ".mindir") || EndsWith(path, ".ms")) return MSCRYPT_SEAL_ROLE_MINDIR;
  return MSCRYPT_SEAL_ROLE_OTHER;
}

// WeightDir: the external weight directory of a MindIR model, "" if none: <stem>_variables next
// to <stem>.mindir, or next to <stem>_graph.mindir (MindSpore's split export).
std::string WeightDir(const std::string& path) {
  if (!EndsWith(path, ".mindir")) return "";
  std::string stem = path.substr(0, path.size() - 7);
  for (int i = 0; i < 2; ++i) {
    struct stat st;
    if (::stat((stem + "_variables").c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return stem + "_variables";
    if (!EndsWith(stem, "_graph")) break;
    stem.resize(stem.size() - 6);
  }
  return "";
}

// WeightMembers: the regular files under WeightDir(path), relative to path's directory, sorted.
std::vector<std::string> WeightMembers(const std::string& path) {
  const std::string dir = WeightDir(path);
  std::vector<std::string> out;
  if (dir.empty()) return out;
  const size_t slash = path.find_last_of('/');
  const std::string base = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  std::vector<TreeEntry> files;
  std::vector<std::string> links;                                // not sealed: never followed
  std::vector<std::pair<std::string, std::string>> unreadable;  // nothing there to seal
  WalkTree(dir, &files, &links, &unreadable);
  for (const TreeEntry& f : files) out.push_back(f.path.substr(base.size()));
  std::sort(out.begin(), out.end());
  return out;
}

// SealWithWeights: mscrypt_seal_file for `path` with its role and weight files.
mscrypt_status SealWithWeights(const mscrypt_key* key, mscrypt_mode mode, const std::string& path, int role,
                               const mscrypt_options* opts, size_t* files) {
  const std::vector<std::string> members = role == MSCRYPT_SEAL_ROLE_MINDIR ? WeightMembers(path) : std::vector<std::string>();
  std::vector<const char*> names;
  for (const std::string& m : members) names.push_back(m.c_str());
  if (files != nullptr) *files = 1 + names.size();
  return mscrypt_seal_file(key, mode, path.c_str(), role, names.data(), names.size(), opts);
}

int CmdSeal(Args& args) {
  const char* role_arg = args.Value("--role");
  const bool json = args.Flag("--json");
  Keyed k = ParseKeyed(args, "seal", false);
  if (args.positionals().empty()) Usage("expected FILE...: the encrypted files to seal", "seal");
  int role = -1;
  if (role_arg != nullptr) {
    const std::string r = role_arg;
    role = r == "checkpoint" ? MSCRYPT_SEAL_ROLE_CHECKPOINT : r == "mindir" ? MSCRYPT_SEAL_ROLE_MINDIR
         : r == "weights"    ? MSCRYPT_SEAL_ROLE_WEIGHT_FILE : r == "other" ? MSCRYPT_SEAL_ROLE_OTHER : -2;
    if (role == -2) Usage("--role is checkpoint, mindir, weights or other", "seal");
  }
  for (const char* p : args.positionals()) {
    const std::string in = p;
    mscrypt_mode mode = k.mode;
    if (!k.mode_given) mscrypt_file_mode(&mode, in.c_str());  // the file's own mode, as decrypt does
    Check(mscrypt_key_check_source(k.key.get(), mode, k.key_label.c_str()), "the key cannot be used");
    mscrypt_options opts = k.opts;
    opts.seal = MSCRYPT_SEAL_AUTO;
    const int file_role = role >= 0 ? role : RoleOf(in);
    size_t files = 0;
    Check(SealWithWeights(k.key.get(), mode, in, file_role, &opts, &files), "cannot seal " + Quote(in));
    if (json) {
      std::printf("{\"file\": %s, \"seal\": %s, \"files\": %zu, \"mode\": \"%s\"}\n", JsonString(in).c_str(),
                  JsonString(in + ".msseal").c_str(), files, mscrypt_mode_name(mode));
    } else {
      std::printf("sealed %s -> %s (%zu file%s, %s)\n", OneLine(in).c_str(), OneLine(in + ".msseal").c_str(), files,
                  files == 1 ? "" : "s", mscrypt_mode_name(mode));
    }
  }
  return kExitOk;
}

std::string SealHelp() {
  return "usage: mscrypt seal FILE... (--key-hex HEX | --key-file PATH | --key-env VAR) [--mode MODE] [--role ROLE]\n\n"
         "Write FILE.msseal beside each encrypted FILE (MindSpore's own output included): a small sidecar\n"
         "that authenticates, under a key derived from the data key, the file's blocks in order, its\n"
         "plaintext size and its role (docs/format.md §11). FILE is verified to decrypt first and is not\n"
         "changed, so MindSpore still reads it. From then on every mscrypt reader checks the seal: a\n"
         "block dropped (truncation at a block boundary), added, reordered, duplicated or spliced in from\n"
         "another file, and a seal of another file, are each refused with the first offending block\n"
         "named. A MindIR model's seal also covers its <stem>_variables weight files.\n\n" +
         KeyHelp() + "Options:\n" + ModeHelp() +
         "  --role ROLE      checkpoint, mindir, weights or other (default: from the name: .ckpt,\n"
         "                   .mindir / .ms, else other); checkpoint and MindIR readers refuse a seal\n"
         "                   made for the other kind\n"
         "  --json           one JSON object per file sealed (one per line): file, seal, files, mode\n"
         "Readers: --seal requires a seal, --no-seal ignores one (decrypt, verify, ckpt-list, mindir-info);\n"
         "writers: encrypt, convert and rekey take --seal.\n";
}

// ---- Rekey -------------------------------------------------------------------------------------
//
// Re-encrypt files from an old key to a new one (for a compromised data key), in place. Each file
// is replaced atomically by mscrypt_reencrypt_file (no plaintext on disk); files are processed in
// parallel; a failure leaves that file as it was and the others go on. Running it again skips
// files already under the new key, so an interrupted run can simply be repeated.

enum class RekeyOutcome { kRekeyed, kAlready, kNotEncrypted, kFailed };

struct RekeyItem {
  std::string path;
  bool named = false;  // given on the command line (not found by walking a directory)
  uint64_t size = 0;
  RekeyOutcome outcome = RekeyOutcome::kFailed;
  std::string error;
  bool reseal_after = false;  // a model whose seal covers its weight files: sealed again at the end
  mscrypt_mode new_mode = MSCRYPT_MODE_AES_GCM;
};

// Collect: `path` itself, a directory's regular files (recursively; symbolic links are not
// followed, so nothing outside the tree is replaced), and a MindIR model's weight files (the
// directory <stem>_variables beside <stem>.mindir).
void CollectTree(const std::string& dir, std::vector<RekeyItem>* out, std::vector<std::string>* skipped_links) {
  std::vector<TreeEntry> files;
  std::vector<std::pair<std::string, std::string>> unreadable;
  WalkTree(dir, &files, skipped_links, &unreadable);
  for (const auto& [path, error] : unreadable) {
    RekeyItem item;
    item.path = path;
    item.named = true;
    item.error = error;
    out->push_back(item);
  }
  for (const TreeEntry& f : files) {
    RekeyItem item;
    item.path = f.path;
    item.size = f.size;
    out->push_back(item);
  }
}

void CollectNamed(const std::string& path, std::vector<RekeyItem>* out, std::vector<std::string>* skipped_links) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return CollectTree(path, out, skipped_links);
  RekeyItem item;
  item.path = path;
  item.named = true;
  item.size = ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  out->push_back(item);
  const std::string suffix = ".mindir";
  if (path.size() > suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0) {
    const std::string variables = path.substr(0, path.size() - suffix.size()) + "_variables";
    if (::lstat(variables.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) CollectTree(variables, out, skipped_links);
  }
}

struct RekeyJob {
  const mscrypt_key* old_key;
  const mscrypt_key* new_key;
  bool new_mode_given;
  mscrypt_mode new_mode;
  int threads;
  bool seal;  // --seal: seal every re-encrypted file (sealed files are sealed again anyway)
};

// RekeyOne classifies and, when needed, re-encrypts one file.
void RekeyOne(const RekeyJob& job, RekeyItem* item) {
  mscrypt_options opts;
  mscrypt_options_init(&opts);
  opts.threads = job.threads;
  mscrypt_mode file_mode = MSCRYPT_MODE_AES_GCM;
  mscrypt_status s = mscrypt_file_mode(&file_mode, item->path.c_str());
  if (s == MSCRYPT_ERR_NOT_ENCRYPTED) {
    item->outcome = item->named ? RekeyOutcome::kFailed : RekeyOutcome::kNotEncrypted;
    if (item->named) item->error = "it is not an encrypted MindSpore file (no block magic)";
    return;
  }
  if (s != MSCRYPT_OK) {
    item->error = LastError();
    return;
  }
  const mscrypt_mode new_mode = job.new_mode_given ? job.new_mode : file_mode;
  item->new_mode = new_mode;
  // Seals: a file sealed alone is sealed again with it (the core does that); a model whose seal
  // covers weight files is sealed again once its weights are re-keyed too (at the end).
  const bool has_seal = ::access((item->path + ".msseal").c_str(), F_OK) == 0;
  item->reseal_after = (has_seal || job.seal) && !WeightDir(item->path).empty();
  opts.seal = item->reseal_after ? MSCRYPT_SEAL_OFF : job.seal ? MSCRYPT_SEAL_ON : MSCRYPT_SEAL_AUTO;
  opts.seal_role = RoleOf(item->path);
  // Already under the new key? For CBC (unauthenticated) the old key must then fail, or the file
  // could be under either and is left alone.
  mscrypt_options check = opts;  // telling which key a file is under: a seal is checked if present
  if (check.seal == MSCRYPT_SEAL_ON) check.seal = MSCRYPT_SEAL_AUTO;
  if (file_mode == new_mode && mscrypt_key_check(job.new_key, new_mode) == MSCRYPT_OK &&
      mscrypt_verify_file(job.new_key, new_mode, item->path.c_str(), &check) == MSCRYPT_OK) {
    if (mscrypt_mode_authenticated(file_mode) ||
        mscrypt_key_check(job.old_key, file_mode) != MSCRYPT_OK ||
        mscrypt_verify_file(job.old_key, file_mode, item->path.c_str(), &check) != MSCRYPT_OK) {
      item->outcome = RekeyOutcome::kAlready;
      return;
    }
    item->error = std::string("it decrypts under both keys (") + mscrypt_mode_name(file_mode) +
                  " is not authenticated), so which key it is under cannot be told; left as it is";
    return;
  }
  if (mscrypt_key_check(job.old_key, file_mode) != MSCRYPT_OK) {
    item->error = "the old key cannot be used with its mode: " + LastError();
    return;
  }
  s = mscrypt_reencrypt_file(item->path.c_str(), job.old_key, file_mode, job.new_key, new_mode, &opts);
  if (s == MSCRYPT_OK) {
    item->outcome = RekeyOutcome::kRekeyed;
  } else if (s == MSCRYPT_ERR_AUTH_FAILED) {
    item->error = "it decrypts with neither the old key nor the new one (wrong keys, or the file is damaged); left as it is";
  } else {
    item->error = LastError();
  }
}

int CmdRekey(Args& args) {
  KeySources old_sources = ParseKeySources(args, "", "rekey");
  KeySources new_sources = ParseKeySources(args, "new-", "rekey");
  const char* new_mode_arg = args.Value("--new-mode");
  const mscrypt_mode new_mode = ParseModeArg(new_mode_arg, "--new-mode", "rekey");
  const char* jobs_arg = args.Value("--jobs");
  const int threads_arg = ParseThreads(args.Value("--threads"), "rekey");
  const bool seal = args.Flag("--seal");
  const bool json = args.Flag("--json");
  args.Finish();
  if (args.positionals().empty()) Usage("expected PATH...: the files or directories to re-key", "rekey");
  int jobs = 0;
  if (jobs_arg != nullptr) {
    char* end = nullptr;
    errno = 0;
    const long n = std::strtol(jobs_arg, &end, 10);
    if (errno != 0 || end == jobs_arg || *end != '\0' || n < 1 || n > 256) Usage("--jobs is 1 to 256", "rekey");
    jobs = static_cast<int>(n);
  }
  std::string old_label, new_label;
  KeyPtr old_key = LoadKey(old_sources, "rekey", &old_label);
  KeyPtr new_key = LoadKey(new_sources, "rekey", &new_label);
  if (new_mode_arg != nullptr) {
    Check(mscrypt_key_check_source(new_key.get(), new_mode, new_label.c_str()), "the new key cannot be used");
  }
  {
    SecretBuf a(mscrypt_max_key_bytes()), b(mscrypt_max_key_bytes());
    size_t na = 0, nb = 0;
    Check(mscrypt_key_export(old_key.get(), a.data(), a.capacity(), &na), "cannot read the old key");
    Check(mscrypt_key_export(new_key.get(), b.data(), b.capacity(), &nb), "cannot read the new key");
    if (na == nb && std::memcmp(a.data(), b.data(), na) == 0 && new_mode_arg == nullptr) {
      Usage("the new key is the old key; give another --new-key-... (or --new-mode to change only the mode)", "rekey");
    }
  }

  std::vector<RekeyItem> items;
  std::vector<std::string> links;
  for (const char* p : args.positionals()) CollectNamed(p, &items, &links);
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  if (jobs == 0) jobs = static_cast<int>(std::min<size_t>(std::max<size_t>(items.size(), 1), cores));
  RekeyJob job{old_key.get(), new_key.get(), new_mode_arg != nullptr, new_mode,
               threads_arg != 0 ? threads_arg : std::max(1, static_cast<int>(cores) / jobs), seal};

  uint64_t total_bytes = 0;
  for (const RekeyItem& item : items) total_bytes += item.size;
  std::atomic<size_t> next{0};
  std::mutex mu;
  size_t done = 0;
  uint64_t done_bytes = 0;
  const bool show_progress = ::isatty(STDERR_FILENO) == 1;
  auto worker = [&] {
    for (size_t i = next++; i < items.size(); i = next++) {
      if (items[i].error.empty()) RekeyOne(job, &items[i]);
      std::lock_guard<std::mutex> lock(mu);
      ++done;
      done_bytes += items[i].size;
      if (show_progress) {
        std::fprintf(stderr, "\r\033[Krekey: %zu/%zu files, %.1f/%.1f MiB", done, items.size(),
                     static_cast<double>(done_bytes) / (1 << 20), static_cast<double>(total_bytes) / (1 << 20));
        std::fflush(stderr);
      }
    }
  };
  std::vector<std::thread> pool;
  for (int j = 1; j < jobs; ++j) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
  if (show_progress) std::fprintf(stderr, "\r\033[K");
  // Models whose seal covers weight files: sealed again now that all of their files are done.
  for (RekeyItem& item : items) {
    if (!item.reseal_after || item.outcome == RekeyOutcome::kFailed || item.outcome == RekeyOutcome::kNotEncrypted) {
      continue;
    }
    mscrypt_options opts;
    mscrypt_options_init(&opts);
    opts.threads = job.threads;
    if (SealWithWeights(new_key.get(), item.new_mode, item.path, RoleOf(item.path), &opts, nullptr) != MSCRYPT_OK) {
      item.outcome = RekeyOutcome::kFailed;
      item.error = "re-encrypted, but sealing it again failed: " + LastError();
    }
  }

  size_t counts[4] = {0, 0, 0, 0};
  for (const RekeyItem& item : items) {
    ++counts[static_cast<int>(item.outcome)];
    if (item.outcome == RekeyOutcome::kFailed) {
      std::fprintf(stderr, "mscrypt: error: rekey %s: %s\n", OneLine(Quote(item.path)).c_str(), OneLine(item.error).c_str());
    }
  }
  for (const std::string& link : links) {
    std::fprintf(stderr, "mscrypt: note: skipped the symbolic link %s (name its target to re-key it)\n",
                 OneLine(Quote(link)).c_str());
  }
  if (json) {
    std::string failed;
    for (const RekeyItem& item : items) {
      if (item.outcome != RekeyOutcome::kFailed) continue;
      failed += std::string(failed.empty() ? "" : ", ") + "{\"path\": " + JsonString(item.path) +
                ", \"error\": " + JsonString(item.error) + "}";
    }
    std::printf("{\"reencrypted\": %zu, \"already\": %zu, \"not_encrypted\": %zu, \"failed\": [%s]}\n",
                counts[static_cast<int>(RekeyOutcome::kRekeyed)], counts[static_cast<int>(RekeyOutcome::kAlready)],
                counts[static_cast<int>(RekeyOutcome::kNotEncrypted)], failed.c_str());
    return counts[static_cast<int>(RekeyOutcome::kFailed)] == 0 ? kExitOk : kExitFailure;
  }
  std::printf("rekey: %zu re-encrypted, %zu already under the new key, %zu not encrypted (skipped), %zu failed\n",
              counts[static_cast<int>(RekeyOutcome::kRekeyed)], counts[static_cast<int>(RekeyOutcome::kAlready)],
              counts[static_cast<int>(RekeyOutcome::kNotEncrypted)], counts[static_cast<int>(RekeyOutcome::kFailed)]);
  return counts[static_cast<int>(RekeyOutcome::kFailed)] == 0 ? kExitOk : kExitFailure;
}

std::string RekeyHelp() {
  return "usage: mscrypt rekey PATH... OLD KEY NEW KEY [--new-mode MODE] [--jobs N] [--threads N]\n\n"
         "Re-encrypt encrypted files from the old key to the new one, in place: for a data key that\n"
         "must be retired. PATH is a file or a directory (walked recursively; symbolic links are not\n"
         "followed); a .mindir file brings its <stem>_variables weight files. Each file is decrypted and\n"
         "re-encrypted with bounded memory, no plaintext on disk, and replaced atomically; a file that\n"
         "fails is left as it was and the others go on. Files already under the new key are skipped, so\n"
         "an interrupted run is finished by running it again. Plain files found in a directory are\n"
         "skipped. Prints a summary; exits 1 naming each file that failed.\n\n"
         "Old key: --key-hex HEX | --key-file PATH | --key-env VAR [--passphrase-env VAR | --passphrase-file PATH]\n"
         "New key: --new-key-hex HEX | --new-key-file PATH | --new-key-env VAR\n"
         "         [--new-passphrase-env VAR | --new-passphrase-file PATH]\n"
         "Options:\n"
         "  --new-mode MODE  encrypt with MODE (default: each file keeps its mode)\n"
         "  --jobs N         files processed at once (default: one per core)\n"
         "  --threads N      threads per file (default: cores / jobs)\n"
         "  --seal           seal every re-encrypted file (FILE.msseal); files that have a seal are\n"
         "                   sealed again under the new key either way\n"
         "  --json           the summary as one JSON object: reencrypted, already, not_encrypted,\n"
         "                   failed[] (path, error)\n"
         "A CBC file (not authenticated) that decrypts under both keys is reported, never changed.\n";
}

// ---- Command table ----------------------------------------------------------------------------
//
// A new command is one entry here plus its handler and help text.

struct Command {
  const char* name;
  const char* summary;
  int (*run)(Args&);
};

std::string RawHelp() {
  return "  --format raw --iv HEX\n"
         "                   raw AES-CBC instead of MindSpore's container: PKCS#7 padding, the given\n"
         "                   16-byte IV, no header (Windows ML's format; openssl enc -aes-N-cbc -K -iv).\n"
         "                   NOT authenticated: a wrong key is caught only when the final padding is\n"
         "                   invalid, a wrong IV is never caught (it garbles the first 16 bytes), and\n"
         "                   changes to the file are not detected.\n";
}

// SealReadHelp: the seal flags of every reader (docs/format.md §11.3).
std::string SealReadHelp() {
  return "  --seal           require IN.msseal and check IN against it (by default it is checked\n"
         "                   when it exists): blocks dropped, added, reordered, duplicated or spliced\n"
         "  --no-seal        ignore IN.msseal\n";
}

std::string EncryptHelp() {
  return std::string(
             "usage: mscrypt encrypt IN OUT (--key-hex HEX | --key-file PATH | --key-env VAR) [--mode MODE] [--threads N] [--in-place]\n\n"
             "Encrypt the file IN into OUT in MindSpore's container format (MindSpore 1.7+ can load it with\n"
             "the same key and mode). OUT is replaced atomically; on failure it is left untouched. IN '-' reads\n"
             "standard input; OUT '-' streams to standard output. A symlink OUT is followed; a FIFO or device\n"
             "OUT is refused; OUT equal to IN is refused unless --in-place.\n\n") +
         KeyHelp() + "Options:\n" + ModeHelp() + "  --in-place       allow OUT to be IN (replaced once the new file is complete)\n" +
         "  --seal           also write OUT.msseal, together with OUT (see 'mscrypt seal --help')\n" + RawHelp();
}

std::string DecryptHelp() {
  return std::string(
             "usage: mscrypt decrypt IN OUT (--key-hex HEX | --key-file PATH | --key-env VAR) [--mode MODE] [--threads N] [--legacy] [--in-place]\n\n"
             "Decrypt the MindSpore-encrypted file IN (.ckpt, .mindir, .ms, weight files) into OUT. Every block\n"
             "is checked before OUT appears; on failure OUT is left untouched and no plaintext is written. A new\n"
             "OUT is created with mode 0600; an existing one keeps its permissions. OUT '-' streams to standard\n"
             "output (each window of blocks is checked before it is written). A symlink OUT is followed; a FIFO\n"
             "or device OUT is refused; OUT equal to IN is refused unless --in-place.\n\n") +
         KeyHelp() + "Options:\n" + ModeHelp() +
         "  --legacy         read MindSpore 1.3-1.6 files (no integrity protection; name the mode)\n"
         "  --in-place       allow OUT to be IN (replaced once the new file is complete)\n" +
         SealReadHelp() + RawHelp();
}

std::string VerifyHelp() {
  return std::string(
             "usage: mscrypt verify IN (--key-hex HEX | --key-file PATH | --key-env VAR) [--mode MODE] [--threads N] [--legacy]\n\n"
             "Check every block of IN with the key and write nothing. AES-GCM blocks are authenticated; CBC\n"
             "modes get a padding check only; a seal (IN.msseal) authenticates their order and, for CBC, their\n"
             "content. Prints one OK line: mode, what was checked, blocks, plaintext size, seal status.\n\n") +
         KeyHelp() + "Options:\n" + ModeHelp() + "  --legacy         read MindSpore 1.3-1.6 files\n" +
         "  --json           one JSON object: file, mode, format, blocks, plaintext_size, authenticated,\n"
         "                   sealed, sealed_files\n" + SealReadHelp();
}

std::string InspectHelp() {
  return "usage: mscrypt inspect IN [--json] [--legacy]\n\n"
         "Show the block structure of IN without a key: mode, block count, block sizes, container size\n"
         "and the plaintext size (exact for AES-GCM, a range for CBC modes).\n\n"
         "Options:\n"
         "  --json           one JSON object: file, format, mode (null if unknown), authenticated,\n"
         "                   container_size, block_count, plaintext_size_min/max, blocks[]\n"
         "  --legacy         read as a MindSpore 1.3-1.6 file\n";
}

std::string CkptListHelp() {
  return std::string(
             "usage: mscrypt ckpt-list IN [--json] [--crc-check] [(--key-hex HEX | --key-file PATH | --key-env VAR)\n"
             "                         [--mode MODE] [--threads N] [--legacy]]\n\n"
             "List the parameters of the MindSpore checkpoint IN, one line each: name, dtype (the checkpoint's\n"
             "tensor_type), shape and size in bytes. IN may be plain or encrypted; an encrypted checkpoint needs\n"
             "its key (and --mode unless it is AES-GCM). The shape is the one MindSpore loads: scalars are [],\n"
             "a string is one value. A MapParameter shows as MapTensor with TYPE[shape] of its tensors.\n"
             "Nothing is written.\n\n"
             "Options:\n"
             "  --json           a JSON array with one object per parameter: name, kind (tensor or\n"
             "                   map_tensor), dtype, shape, dims (as stored), bytes (map tensors: tensors[])\n"
             "  --crc-check      verify the crc_num trailer of checkpoints saved with crc_check=True\n") +
         KeyHelp() + ModeHelp() + "  --legacy         read a MindSpore 1.3-1.6 encrypted checkpoint\n" + SealReadHelp();
}

std::string MindIRInfoHelp() {
  return std::string(
             "usage: mscrypt mindir-info IN [--json] [(--key-hex HEX | --key-file PATH | --key-env VAR) [--mode MODE]\n"
             "                           [--threads N]]\n\n"
             "Load the MindIR model IN (plain or encrypted; external weight files <prefix>_variables/data_N\n"
             "are loaded from next to it with the same key), validate it, and show the graph name, producer,\n"
             "and every parameter: name, dtype, shape and size in bytes. Nothing is written.\n\n"
             "Options:\n"
             "  --json           one JSON object: file, graph, producer, model_version, external_data,\n"
             "                   parameter_count, parameter_bytes, parameters[] (name, key, dtype, shape,\n"
             "                   bytes, external)\n") +
         KeyHelp() + ModeHelp() + SealReadHelp();
}

std::string ConvertHelp() {
  return "usage: mscrypt convert --fmk=MINDIR --modelFile=IN --outputFile=OUT [--decryptKey=HEX]\n"
         "                       [--decryptMode=MODE] [--encryptKey=HEX] [--encryption=true|false]\n"
         "                       [--threads=N] [--legacy]\n\n"
         "Re-key a MindIR file with converter_lite's flag names: decrypt IN (with --decryptKey), then\n"
         "encrypt it with AES-GCM under --encryptKey, as converter_lite does for its output. The model is\n"
         "not converted: the output is the same MindIR, re-encrypted.\n\n"
         "  --fmk=MINDIR          required; the only supported input framework\n"
         "  --decryptKey=HEX      key of an encrypted IN (omit for a plaintext IN)\n"
         "  --decryptMode=MODE    AES-GCM (default), AES-CBC or SM4-CBC\n"
         "  --encryptKey=HEX      output key, exactly 16 bytes (32 hex digits) like converter_lite\n"
         "  --decryptKeyFile=PATH, --encryptKeyFile=PATH   (mscrypt) the keys from key files: raw, hex or\n"
         "                        key envelopes, unlocked by --passphrase-env/-file and\n"
         "                        --new-passphrase-env/-file (else asked on the terminal)\n"
         "  --seal                (mscrypt) also write OUT.msseal (docs/format.md §11)\n"
         "  --encryption=BOOL     true (default, like converter_lite's source): encrypt the output;\n"
         "                        false: write the decrypted plaintext MindIR\n\n"
         "Output name: OUT is used as given when its file name has an extension; otherwise '.mindir' is\n"
         "appended (converter_lite would append '.ms', but this output is still a MindIR).\n"
         "With --encryption=true the plaintext stays in memory and never touches the disk. OUT is\n"
         "replaced atomically and left untouched on failure.\n\n"
         "Hex keys are decoded correctly in either letter case. converter_lite decodes uppercase A-F\n"
         "wrongly, so mscrypt warns about uppercase keys: typed into converter_lite they give another key.\n";
}

int RunCommand(const Command& c, const std::string& help, int argc, char** argv) {
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--") == 0) break;
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::printf("%s", help.c_str());
      return kExitOk;
    }
  }
  Args args(c.name, argc, argv);
  return c.run(args);
}

const Command kCommands[] = {
    {"encrypt", "encrypt a file", CmdEncrypt},
    {"decrypt", "decrypt a file", CmdDecrypt},
    {"verify", "check a file with its key, write nothing", CmdVerify},
    {"inspect", "show the block structure (no key needed)", CmdInspect},
    {"convert", "re-key a MindIR file with converter_lite's flags", CmdConvert},
    {"ckpt-list", "list a checkpoint's parameters (plain or encrypted)", CmdCkptList},
    {"mindir-info", "show a MindIR model's graph and parameters", CmdMindIRInfo},
    {"key", "make, show or re-protect a key (key new | show | rewrap)", CmdKey},
    {"rekey", "re-encrypt files or trees from an old key to a new one", CmdRekey},
    {"seal", "write FILE.msseal: detect dropped, reordered or spliced blocks", CmdSeal},
};

std::string HelpFor(const std::string& name) {
  if (name == "encrypt") return EncryptHelp();
  if (name == "decrypt") return DecryptHelp();
  if (name == "verify") return VerifyHelp();
  if (name == "inspect") return InspectHelp();
  if (name == "convert") return ConvertHelp();
  if (name == "ckpt-list") return CkptListHelp();
  if (name == "mindir-info") return MindIRInfoHelp();
  if (name == "key") return KeyCmdHelp();
  if (name == "rekey") return RekeyHelp();
  if (name == "seal") return SealHelp();
  return std::string();
}

void PrintToolHelp() {
  std::printf(
      "usage: mscrypt COMMAND [ARGS]   (mscrypt COMMAND --help for details)\n\n"
      "Read and write MindSpore's encrypted model container (.ckpt, .mindir, .ms; MindSpore 1.7+, and\n"
      "1.3-1.6 with --legacy).\n\nCommands:\n");
  for (const Command& c : kCommands) std::printf("  %-12s %s\n", c.name, c.summary);
  std::printf(
      "\nOptions:\n"
      "  --help       show this help\n"
      "  --version    show the version\n\n"
      "Exit status: 0 success, 1 failure (one 'mscrypt: error:' line on stderr), 2 usage error.\n"
      "Progress is shown on stderr for inputs over 64 MiB when stderr is a terminal.\n");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc < 2) {
      PrintToolHelp();
      return kExitUsage;
    }
    const std::string first = argv[1];
    if (first == "--help" || first == "-h" || first == "help") {
      if (first == "help" && argc > 2 && !HelpFor(argv[2]).empty()) {
        std::printf("%s", HelpFor(argv[2]).c_str());
      } else {
        PrintToolHelp();
      }
      return kExitOk;
    }
    if (first == "--version" || first == "-V") {
      std::printf("mscrypt %s (library %s)\n", MSCRYPT_VERSION_STRING, mscrypt_version_string());
      return kExitOk;
    }
    for (const Command& c : kCommands) {
      if (first != c.name) continue;
      for (int i = 2; i < argc; ++i) g_json = g_json || std::strcmp(argv[i], "--json") == 0;
      return RunCommand(c, HelpFor(c.name), argc - 2, argv + 2);
    }
    // Not echoed: a mistyped command line may start with a key.
    if (first[0] == '-') Usage("unknown option before the command", "");
    Usage("unknown command; use encrypt, decrypt, verify, inspect, convert, ckpt-list, mindir-info, key, rekey or seal", "");
  } catch (const CliError& e) {
    std::fprintf(stderr, "mscrypt: error: %s\n", OneLine(e.message).c_str());
    if (g_json) {
      std::fflush(stdout);
      std::printf("{\"error\": {\"message\": %s, \"exit_code\": %d, \"status\": %s, \"hints\": %u}}\n",
                  JsonString(e.message).c_str(), e.exit_code,
                  e.status != 0 ? JsonString(mscrypt_status_name(static_cast<mscrypt_status>(e.status))).c_str()
                                : "null",
                  e.hints);
    }
    return e.exit_code;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "mscrypt: error: out of memory\n");
    return kExitFailure;
  }
}

import Foundation
import Synchronization

/// Set by the first Ctrl-C (SIGINT) or SIGTERM: the optimiser stops at its next iteration and
/// the run ends, keeping only finished frames.
let interruptRequested = Atomic<Bool>(false)
/// The signal that requested the stop (SIGINT or SIGTERM), 0 before one came.
let interruptSignal = Atomic<Int32>(0)

/// Makes the first Ctrl-C (SIGINT or SIGTERM) request a clean stop; a second one ends the process.
func installInterruptHandler() {
  // A parent may have blocked these (the mask is inherited); a user's Ctrl-C must get through.
  var signals = sigset_t()
  sigemptyset(&signals)
  for signalNumber in [SIGINT, SIGTERM] {
    sigaddset(&signals, signalNumber)
  }
  pthread_sigmask(SIG_UNBLOCK, &signals, nil)
  for signalNumber in [SIGINT, SIGTERM] {
    signal(signalNumber) { number in
      interruptSignal.store(number, ordering: .relaxed)
      interruptRequested.store(true, ordering: .relaxed)
      signal(number, SIG_DFL)
    }
  }
}

/// The run stopped on request; only finished frames were kept.
struct Interrupted: Error, CustomStringConvertible {
  /// What was going on, e.g. "frame 12/48" or "the encode".
  let during: String
  /// Whether `during` was finished and saved (the stop came between frames).
  let saved: Bool
  let workFolder: String

  var description: String {
    let what = saved ? "after \(during)" : "during \(during) (its unfinished work was discarded)"
    return "Interrupted \(what); the finished frames are in '\(workFolder)'. Run the same "
      + "command again to resume."
  }

  /// The shell's convention for a process ended by a signal: 128 + its number (130 for SIGINT,
  /// 143 for SIGTERM).
  var exitCode: Int32 { 128 + max(interruptSignal.load(ordering: .relaxed), 0) }
}

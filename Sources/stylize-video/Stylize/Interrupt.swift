import Foundation
import Synchronization

/// Set by the first Ctrl-C: the run stops after saving the frame in progress.
let interruptRequested = Atomic<Bool>(false)

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
      interruptRequested.store(true, ordering: .relaxed)
      signal(number, SIG_DFL)
    }
  }
}

/// The run stopped on request after saving its finished frames.
struct Interrupted: Error, CustomStringConvertible {
  /// The last frame saved, e.g. "frame 12/48".
  let done: String
  let workFolder: String

  var description: String {
    "Interrupted after \(done); the finished frames are in '\(workFolder)'. Run the same "
      + "command again to resume."
  }
}

import Foundation
import Video

/// A gentle plucked arpeggio over a soft A-major pad, in stereo.
///
/// Plucks are a few harmonics with an exponential decay; the pad is the chord's three notes with
/// a slow swell. Notes alternate slightly left and right.
func arpeggio(seconds: Double, sampleRate: Int = 44_100) -> AudioTrack {
  let count = Int(seconds * Double(sampleRate))
  var left = [Float](repeating: 0, count: count), right = left
  let notes: [Double] = [220.00, 277.18, 329.63, 440.00, 329.63, 277.18]  // A3 C#4 E4 A4 E4 C#4
  let noteLength = 0.375
  for i in 0..<count {
    let t = Double(i) / Double(sampleRate)
    // pad: the chord, swelling in and out over the clip
    let swell = sin(.pi * min(1, t / seconds))
    var pad = 0.0
    for frequency in [110.0, 138.59, 164.81] { pad += sin(2 * .pi * frequency * t) }
    pad *= 0.05 * swell
    // plucks: the current note and the tail of the previous one
    var pluckL = 0.0, pluckR = 0.0
    let index = Int(t / noteLength)
    for k in max(0, index - 1)...index {
      let start = Double(k) * noteLength, age = t - start
      let frequency = notes[k % notes.count]
      let envelope = min(1, age / 0.005) * exp(-age * 4)
      var tone = 0.0
      for harmonic in 1...4 {
        tone += sin(2 * .pi * frequency * Double(harmonic) * age) / Double(harmonic * harmonic)
      }
      let value = 0.22 * envelope * tone
      let pan = k % 2 == 0 ? 0.35 : 0.65
      pluckL += value * (1 - pan)
      pluckR += value * pan
    }
    let fade = min(1, (seconds - t) / 0.2)  // no click at the end
    left[i] = Float((pad + pluckL) * fade)
    right[i] = Float((pad + pluckR) * fade)
  }
  return AudioTrack(sampleRate: sampleRate, samples: [left, right])
}

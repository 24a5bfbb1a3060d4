import Engine
import Foundation

/// Frame pairs with exactly known flow, rendered from an analytic texture, for tests and `bench`.
///
/// The texture is a sum of sinusoids with wavelengths from 6 to 96 px in random directions,
/// squashed by tanh: multi-scale, non-periodic, and smooth, so it can be sampled at any point.
enum SyntheticMotion {
  /// A pair of RGB frames (3, H, W) on [0, 1] with their ground truth.
  struct Scene {
    var first: Tensor
    var second: Tensor
    /// First -> second, at every pixel of the first frame.
    var forward: FlowField
    /// Second -> first, at every pixel of the second frame.
    var backward: FlowField
    /// First-frame pixels still visible, inside the frame, in the second frame.
    var forwardValid: [Bool]
    /// Second-frame pixels that were visible, inside the frame, in the first frame.
    var backwardValid: [Bool]
    /// First-frame pixels within 3 px of a motion boundary (empty set for a single layer).
    var nearBoundary: [Bool]
  }

  /// A grey value on [0, 1] at any real point.
  struct Texture {
    private var waves: [(kx: Float, ky: Float, phase: Float, amplitude: Float)] = []

    init(seed: UInt64, count: Int = 40) {
      var generator = SeededGenerator(seed: seed)
      for _ in 0..<count {
        let wavelength = 6 * pow(16, Float.random(in: 0...1, using: &generator))
        let angle = Float.random(in: 0..<(2 * .pi), using: &generator)
        let k = 2 * Float.pi / wavelength
        waves.append(
          (
            k * cos(angle), k * sin(angle), Float.random(in: 0..<(2 * .pi), using: &generator),
            (wavelength / 96).squareRoot()
          ))
      }
      let norm = waves.reduce(0) { $0 + $1.amplitude * $1.amplitude }.squareRoot()
      waves = waves.map { ($0.kx, $0.ky, $0.phase, $0.amplitude / norm) }
    }

    func callAsFunction(_ x: Float, _ y: Float) -> Float {
      var sum: Float = 0
      for wave in waves { sum += wave.amplitude * sin(wave.kx * x + wave.ky * y + wave.phase) }
      return 0.5 + 0.5 * tanh(1.5 * sum)
    }
  }

  /// RGB from two grey textures, so the channels differ but share structure.
  private static func rgb(_ a: Float, _ b: Float) -> (Float, Float, Float) {
    (a, 0.7 * a + 0.3 * b, 0.4 * a + 0.6 * b)
  }

  /// Renders pixel values (3, H, W) from `color(x, y)`.
  private static func render(
    width: Int, height: Int, _ color: (Float, Float) -> (Float, Float, Float)
  ) -> Tensor {
    let n = width * height
    var scalars = [Float](repeating: 0, count: 3 * n)
    for y in 0..<height {
      for x in 0..<width {
        let (r, g, b) = color(Float(x), Float(y))
        scalars[y * width + x] = r
        scalars[n + y * width + x] = g
        scalars[2 * n + y * width + x] = b
      }
    }
    return Tensor(shape: [3, height, width], scalars: scalars)
  }

  /// A global motion `forwardMap` (first -> second) with inverse `backwardMap`.
  static func globalMotion(
    width: Int, height: Int, seed: UInt64 = 1,
    forwardMap: (Float, Float) -> (Float, Float), backwardMap: (Float, Float) -> (Float, Float)
  ) -> Scene {
    let a = Texture(seed: seed)
    let b = Texture(seed: seed &+ 1000)
    let first = render(width: width, height: height) { x, y in rgb(a(x, y), b(x, y)) }
    let second = render(width: width, height: height) { x, y in
      let (sx, sy) = backwardMap(x, y)
      return rgb(a(sx, sy), b(sx, sy))
    }
    func field(_ map: (Float, Float) -> (Float, Float)) -> (FlowField, [Bool]) {
      var flow = FlowField(width: width, height: height)
      var valid = [Bool](repeating: false, count: width * height)
      for y in 0..<height {
        for x in 0..<width {
          let (tx, ty) = map(Float(x), Float(y))
          flow.u[y * width + x] = tx - Float(x)
          flow.v[y * width + x] = ty - Float(y)
          valid[y * width + x] =
            tx >= 0 && tx <= Float(width - 1) && ty >= 0 && ty <= Float(height - 1)
        }
      }
      return (flow, valid)
    }
    let (forward, forwardValid) = field(forwardMap)
    let (backward, backwardValid) = field(backwardMap)
    return Scene(
      first: first, second: second, forward: forward, backward: backward,
      forwardValid: forwardValid, backwardValid: backwardValid,
      nearBoundary: [Bool](repeating: false, count: width * height))
  }

  /// Case 1: a translation by (dx, dy) pixels.
  static func translation(width: Int, height: Int, dx: Float, dy: Float, seed: UInt64 = 1) -> Scene
  {
    globalMotion(
      width: width, height: height, seed: seed,
      forwardMap: { ($0 + dx, $1 + dy) }, backwardMap: { ($0 - dx, $1 - dy) })
  }

  /// Case 2: a rotation by `degrees` and zoom by `scale` about the frame centre.
  static func rotationZoom(
    width: Int, height: Int, degrees: Float, scale: Float, seed: UInt64 = 2
  ) -> Scene {
    let cx = Float(width - 1) / 2
    let cy = Float(height - 1) / 2
    let angle = degrees * .pi / 180
    let (c, s) = (cos(angle), sin(angle))
    return globalMotion(
      width: width, height: height, seed: seed,
      forwardMap: { x, y in
        let (px, py) = (x - cx, y - cy)
        return (cx + scale * (c * px - s * py), cy + scale * (s * px + c * py))
      },
      backwardMap: { x, y in
        let (px, py) = ((x - cx) / scale, (y - cy) / scale)
        return (cx + c * px + s * py, cy - s * px + c * py)
      })
  }

  /// Case 3: the background translates by `background`; a textured disk of radius `radius`,
  /// centred at `centre` in the first frame, translates by `foreground` on top of it.
  ///
  /// Edge pixels are antialiased with 8x8 supersampling; flow and visibility follow pixel centres.
  static func twoLayers(
    width: Int, height: Int, background: (Float, Float), foreground: (Float, Float),
    centre: (Float, Float), radius: Float, seed: UInt64 = 3
  ) -> Scene {
    let layers = TwoLayers(
      background: background, foreground: foreground, centre: centre, radius: radius, seed: seed)
    let first = render(width: width, height: height) { layers.pixel($0, $1, frame: 0) }
    let second = render(width: width, height: height) { layers.pixel($0, $1, frame: 1) }
    return layers.scene(first: first, second: second, width: width, height: height)
  }

  /// The textures and motions of `twoLayers`: frame 0 is the first frame, frame 1 the second.
  private struct TwoLayers {
    let background: (Float, Float)
    let foreground: (Float, Float)
    let centre: (Float, Float)
    let radius: Float
    let back: (Texture, Texture)
    let front: (Texture, Texture)

    init(
      background: (Float, Float), foreground: (Float, Float), centre: (Float, Float),
      radius: Float, seed: UInt64
    ) {
      (self.background, self.foreground, self.centre, self.radius) = (
        background, foreground, centre, radius
      )
      back = (Texture(seed: seed), Texture(seed: seed &+ 1000))
      front = (Texture(seed: seed &+ 7), Texture(seed: seed &+ 1007))
    }

    /// Whether (x, y) is on the disk in `frame`.
    func inside(_ x: Float, _ y: Float, frame: Int) -> Bool {
      let (cx, cy) = (
        centre.0 + Float(frame) * foreground.0, centre.1 + Float(frame) * foreground.1
      )
      return (x - cx) * (x - cx) + (y - cy) * (y - cy) < radius * radius
    }

    /// The colour at the point (x, y) of `frame`.
    func color(_ x: Float, _ y: Float, frame: Int) -> (Float, Float, Float) {
      if inside(x, y, frame: frame) {
        let (tx, ty) = (x - Float(frame) * foreground.0, y - Float(frame) * foreground.1)
        return SyntheticMotion.rgb(front.0(tx, ty), front.1(tx, ty))
      }
      let (tx, ty) = (x - Float(frame) * background.0, y - Float(frame) * background.1)
      return SyntheticMotion.rgb(back.0(tx, ty), back.1(tx, ty))
    }

    /// The pixel (x, y) of `frame`, 8x8 supersampled near the disk's edge.
    func pixel(_ x: Float, _ y: Float, frame: Int) -> (Float, Float, Float) {
      let (cx, cy) = (
        centre.0 + Float(frame) * foreground.0, centre.1 + Float(frame) * foreground.1
      )
      let distance = ((x - cx) * (x - cx) + (y - cy) * (y - cy)).squareRoot()
      guard abs(distance - radius) < 1.5 else { return color(x, y, frame: frame) }
      var sum: (Float, Float, Float) = (0, 0, 0)
      for j in 0..<8 {
        for i in 0..<8 {
          let c = color(
            x + (Float(i) + 0.5) / 8 - 0.5, y + (Float(j) + 0.5) / 8 - 0.5, frame: frame)
          sum = (sum.0 + c.0 / 64, sum.1 + c.1 / 64, sum.2 + c.2 / 64)
        }
      }
      return sum
    }

    /// The frames with their ground truth: flows, visibility, and the pixels near the edge.
    func scene(first: Tensor, second: Tensor, width: Int, height: Int) -> Scene {
      var forward = FlowField(width: width, height: height)
      var backward = FlowField(width: width, height: height)
      let n = width * height
      var forwardValid = [Bool](repeating: false, count: n)
      var backwardValid = [Bool](repeating: false, count: n)
      var nearBoundary = [Bool](repeating: false, count: n)
      func inFrame(_ x: Float, _ y: Float) -> Bool {
        x >= 0 && x <= Float(width - 1) && y >= 0 && y <= Float(height - 1)
      }
      for y in 0..<height {
        for x in 0..<width {
          let (fx, fy) = (Float(x), Float(y))
          let i = y * width + x
          let onFront = inside(fx, fy, frame: 0)
          let d = onFront ? foreground : background
          forward.u[i] = d.0
          forward.v[i] = d.1
          let (tx, ty) = (fx + d.0, fy + d.1)
          forwardValid[i] = inFrame(tx, ty) && (onFront || !inside(tx, ty, frame: 1))
          let distance = ((fx - centre.0) * (fx - centre.0) + (fy - centre.1) * (fy - centre.1))
            .squareRoot()
          nearBoundary[i] = abs(distance - radius) <= 3

          let wasFront = inside(fx, fy, frame: 1)
          let e = wasFront ? foreground : background
          backward.u[i] = -e.0
          backward.v[i] = -e.1
          let (sx, sy) = (fx - e.0, fy - e.1)
          backwardValid[i] = inFrame(sx, sy) && (wasFront || !inside(sx, sy, frame: 0))
        }
      }
      return Scene(
        first: first, second: second, forward: forward, backward: backward,
        forwardValid: forwardValid, backwardValid: backwardValid, nearBoundary: nearBoundary)
    }
  }

  /// The three standard cases at a given size: translation, rotation + zoom, two layers.
  static func standardCases(width: Int, height: Int) -> [(name: String, scene: Scene)] {
    let (w, h) = (Float(width), Float(height))
    return [
      ("translation (2.5, -1.25)", translation(width: width, height: height, dx: 2.5, dy: -1.25)),
      (
        "rotation 3 deg + zoom 1.04",
        rotationZoom(width: width, height: height, degrees: 3, scale: 1.04)
      ),
      (
        "two layers",
        twoLayers(
          width: width, height: height, background: (3, 1.5), foreground: (-6.5, 4.25),
          centre: (0.55 * w, 0.45 * h), radius: 0.22 * h
        )
      ),
    ]
  }
}

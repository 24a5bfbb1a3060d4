/// A viridis-like colour for `t` in 0...1 (clamped), as (red, green, blue) on the 0-255 scale.
///
/// Linear between nine evenly spaced colours of matplotlib's viridis (van der Walt & Smith 2015):
/// dark purple at 0 through blue and green to yellow at 1. Its lightness rises steadily, so it
/// reads the same in grey, and it stays readable for colour-blind viewers.
func viridis(_ t: Float) -> (red: Float, green: Float, blue: Float) {
  let anchors: [(Float, Float, Float)] = [
    (68, 1, 84), (71, 45, 123), (59, 82, 139), (44, 114, 142), (33, 144, 140),
    (39, 173, 129), (93, 200, 99), (170, 220, 50), (253, 231, 37),
  ]
  let position = min(max(t.isNaN ? 0 : t, 0), 1) * Float(anchors.count - 1)
  let lower = min(Int(position), anchors.count - 2)
  let f = position - Float(lower)
  let (a, b) = (anchors[lower], anchors[lower + 1])
  return (a.0 + f * (b.0 - a.0), a.1 + f * (b.1 - a.1), a.2 + f * (b.2 - a.2))
}

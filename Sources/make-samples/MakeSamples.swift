import Video

@main
struct MakeSamples {
  static func main() throws {
    print("make-samples: not written yet")
  }
}

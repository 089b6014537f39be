import ServiceSupport

/// ServiceSupport's SplitMix64, under the name the tests have always used.
public typealias SeededGenerator = ServiceSupport.SeededGenerator

;; Exports `test:pool/worker`: `work()` counts its calls in a global of this
;; instance, then calls `test:pool/meet.meet()` (a plain exactly-one socket)
;; and answers 10 × count + what `meet` said. Two calls answered by one
;; instance count 1 and 2; by two instances, 1 and 1.
(component
  (import "test:pool/meet"
    (instance $meet (export "meet" (func (result u32)))))
  (core func $meet (canon lower (func $meet "meet")))
  (core instance $imports (export "meet" (func $meet)))
  (core module $worker
    (import "meet" "meet" (func $meet (result i32)))
    (global $calls (mut i32) (i32.const 0))
    (func $work (export "work") (result i32)
      (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
      (i32.add (i32.mul (global.get $calls) (i32.const 10)) (call $meet))))
  (core instance $i (instantiate $worker (with "meet" (instance $imports))))
  (func $work (result u32) (canon lift (core func $i "work")))
  (instance $worker (export "work" (func $work)))
  (export "test:pool/worker" (instance $worker))
)

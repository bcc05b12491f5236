;; Exports `test:prof/work`: `run(rounds)` counts to `rounds` in `$count_up`,
;; then calls `test:prof/leaf.spin(rounds)` (a plain exactly-one socket) and
;; answers the sum of both counts. Its functions keep their names (the name
;; section), which a guest profile shows.
(component
  (import "test:prof/leaf"
    (instance $leaf (export "spin" (func (param "rounds" u32) (result u32)))))
  (core func $spin (canon lower (func $leaf "spin")))
  (core instance $imports (export "spin" (func $spin)))
  (core module $top
    (import "leaf" "spin" (func $leaf_spin (param i32) (result i32)))
    (func $count_up (param $n i32) (result i32) (local $i i32)
      (loop $again
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $again (i32.lt_u (local.get $i) (local.get $n))))
      (local.get $i))
    (func $run (export "run") (param $n i32) (result i32)
      (i32.add (call $count_up (local.get $n)) (call $leaf_spin (local.get $n)))))
  (core instance $i (instantiate $top (with "leaf" (instance $imports))))
  (func $run (param "rounds" u32) (result u32) (canon lift (core func $i "run")))
  (instance $work (export "run" (func $run)))
  (export "test:prof/work" (instance $work))
)

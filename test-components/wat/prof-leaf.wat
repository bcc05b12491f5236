;; Exports `test:prof/leaf`: `spin(rounds)` counts to `rounds` in
;; `$spin_rounds` and answers the count; `spin(0)` executes `unreachable`
;; (a trap, for restarts). Its functions keep their names (the name section).
(component
  (core module $leaf
    (func $spin_rounds (export "spin") (param $n i32) (result i32) (local $i i32)
      (if (i32.eqz (local.get $n)) (then unreachable))
      (loop $again
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $again (i32.lt_u (local.get $i) (local.get $n))))
      (local.get $i)))
  (core instance $i (instantiate $leaf))
  (func $spin (param "rounds" u32) (result u32) (canon lift (core func $i "spin")))
  (instance $api (export "spin" (func $spin)))
  (export "test:prof/leaf" (instance $api))
)

;; Exports `test:partial/leaf` with state: `value` counts its calls in a
;; global and answers the count (1, 2, …), but every third call executes
;; `unreachable`. A restart starts the count again at 1.
(component
  (core module $m
    (memory (export "memory") 1)
    ;; label's return area at 8: the string (ptr 16, len 5) "count".
    (data (i32.const 8) "\10\00\00\00\05\00\00\00")
    (data (i32.const 16) "count")
    (global $calls (mut i32) (i32.const 0))
    (func (export "value") (result i32)
      (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
      (if (i32.eqz (i32.rem_u (global.get $calls) (i32.const 3))) (then unreachable))
      (global.get $calls))
    (func (export "label") (result i32) (i32.const 8))
  )
  (core instance $i (instantiate $m))
  (func $value (result u32) (canon lift (core func $i "value")))
  (func $label (result string)
    (canon lift (core func $i "label") (memory (core memory $i "memory")) string-encoding=utf8))
  (instance $leaf
    (export "value" (func $value))
    (export "label" (func $label)))
  (export "test:partial/leaf" (instance $leaf))
)

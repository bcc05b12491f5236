;; Exports `test:partial/leaf` with both functions correctly typed, but the
;; core module's start function loops forever: only a deadline or a fuel
;; limit on instantiation stops it.
(component
  (core module $m
    (memory (export "memory") 1)
    ;; label's return area at 8: the string (ptr 16, len 4) "spin".
    (data (i32.const 8) "\10\00\00\00\04\00\00\00")
    (data (i32.const 16) "spin")
    (func $start (loop $forever (br $forever)))
    (start $start)
    (func (export "value") (result i32) (i32.const 4))
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

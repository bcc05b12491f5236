;; Exports `test:partial/leaf` from two core instances: `$m`'s `value`
;; calls the `four` of a helper module instantiated before it. Loading it
;; needs an instances limit of at least 2 (instances, memories and tables are
;; counted against the same limit: one memory, no table).
(component
  (core module $helper
    (func (export "four") (result i32) (i32.const 4))
  )
  (core module $m
    (import "helper" "four" (func $four (result i32)))
    (memory (export "memory") 1)
    ;; label's return area at 8: the string (ptr 16, len 3) "two".
    (data (i32.const 8) "\10\00\00\00\03\00\00\00")
    (data (i32.const 16) "two")
    (func (export "value") (result i32) (call $four))
    (func (export "label") (result i32) (i32.const 8))
  )
  (core instance $h (instantiate $helper))
  (core instance $i (instantiate $m (with "helper" (instance $h))))
  (func $value (result u32) (canon lift (core func $i "value")))
  (func $label (result string)
    (canon lift (core func $i "label") (memory (core memory $i "memory")) string-encoding=utf8))
  (instance $leaf
    (export "value" (func $value))
    (export "label" (func $label)))
  (export "test:partial/leaf" (instance $leaf))
)

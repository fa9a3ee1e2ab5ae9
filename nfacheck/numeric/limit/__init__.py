"""Where gradient flow ends: Newton polish to a critical point, its exact Hessian and spectrum,
and a Krawczyk certificate that an exact critical point lies in a stated box."""

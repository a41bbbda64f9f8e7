"""geo311: GIS library and web service for city 311 centers."""

from setuptools import find_packages, setup

setup(
    name="geo311",
    version="0.1.0",
    description="Locate, validate and map city 311 service requests",
    python_requires=">=3.11",
    packages=find_packages(include=["geo311", "geo311.*"]),
    package_data={"geo311.render": ["assets/*"],  # Leaflet & co. from npm, for offline maps
                  "geo311.service.store": ["migrations/script.py.mako"],
                  "geo311.web": ["templates/*", "static/*", "translations/*/LC_MESSAGES/*"]},
    include_package_data=True,
    install_requires=[
        "shapely>=2.0",
        "geopandas>=1.0",
        "pyproj>=3.6",
        "pyogrio>=0.9",
        "fiona>=1.9",
        "numpy>=1.26",
        "pandas>=2.1",
        "scipy>=1.11",
        "click>=8.1",
        "tqdm>=4.66",
        "usaddress>=0.5.16",
        "rapidfuzz>=3.9",
        "h3>=4.0",
        "folium>=0.17",
        "matplotlib>=3.8",
        "rasterio>=1.3",
        "sqlalchemy>=2.0",
        "alembic>=1.13",
        "psycopg[binary]>=3.1",
        "argon2-cffi>=23.1",
    ],
    entry_points={"console_scripts": ["geo311 = geo311.cli:main"]},
)
